// See st_modules.hpp.
#include "loader/st_modules.hpp"

#include <sembed/error.hpp>

#include "loader/json_file.hpp"

namespace sembed::loader {

namespace fs = std::filesystem;

namespace {

struct NamedActivation {
  const char* name;  // the class name at the end of torch's full path
  DenseActivation activation;
};
constexpr NamedActivation kActivations[] = {
    {"Identity", DenseActivation::Identity}, {"Tanh", DenseActivation::Tanh},
    {"ReLU", DenseActivation::Relu},         {"GELU", DenseActivation::Gelu},
    {"Sigmoid", DenseActivation::Sigmoid},   {"SiLU", DenseActivation::Silu},
};

std::string supported_activations() {
  std::string s;
  for (const auto& a : kActivations) s += (s.empty() ? "" : ", ") + std::string(a.name);
  return s;
}

}  // namespace

DenseConfig read_dense_config(const fs::path& dir, std::vector<std::string>& notes) {
  const fs::path file = dir / "config.json";
  const auto j = read_json_file(file);
  if (!j.is_object()) throw Error(file.string() + ": not a JSON object");
  DenseConfig d;
  d.dir = dir;
  const auto in = json_int(j, "in_features", file), out = json_int(j, "out_features", file);
  if (!in || !out) throw Error(file.string() + ": a Dense module needs in_features and out_features");
  if (*in < 1 || *in > (1 << 20) || *out < 1 || *out > (1 << 20))
    throw Error(file.string() + ": in_features " + std::to_string(*in) + " / out_features " +
                std::to_string(*out) + " are outside [1, 1048576]");
  d.in_features = static_cast<int>(*in);
  d.out_features = static_cast<int>(*out);
  d.bias = json_bool(j, "bias", file).value_or(true);
  d.use_residual = json_bool(j, "use_residual", file).value_or(false);
  if (auto name = json_string(j, "module_input_name", file); name && *name != "sentence_embedding")
    throw Error(file.string() + ": module_input_name '" + *name +
                "' is not supported (only 'sentence_embedding')");
  if (auto name = json_string(j, "module_output_name", file); name && *name != "sentence_embedding")
    throw Error(file.string() + ": module_output_name '" + *name +
                "' is not supported (only 'sentence_embedding')");
  d.activation_name = "torch.nn.modules.activation.Tanh";
  if (auto act = json_string(j, "activation_function", file)) {
    d.activation_name = *act;
    if (act->rfind("torch.", 0) != 0) {
      // sentence-transformers loads only torch.* activations without trust_remote_code and
      // falls back to its default, Tanh, for anything else.
      notes.push_back(file.string() + ": activation_function '" + *act +
                      "' is not a torch class; using Tanh, as sentence-transformers does");
      d.activation = DenseActivation::Tanh;
    } else {
      const std::string cls = act->substr(act->rfind('.') + 1);
      bool found = false;
      for (const auto& a : kActivations)
        if (cls == a.name) {
          d.activation = a.activation;
          found = true;
        }
      if (!found)
        throw Error(file.string() + ": activation_function '" + *act +
                    "' is not supported (supported: " + supported_activations() + ")");
    }
  }
  return d;
}

PromptConfig read_prompt_config(const fs::path& file) {
  PromptConfig pc;
  std::error_code ec;
  if (!fs::exists(file, ec)) return pc;
  const auto j = read_json_file(file);
  if (!j.is_object()) throw Error(file.string() + ": not a JSON object");
  if (auto it = j.find("prompts"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) throw Error(file.string() + ": field 'prompts' should be an object");
    for (const auto& [name, text] : it->items()) {
      if (!text.is_string())
        throw Error(file.string() + ": prompts['" + name + "'] should be a string");
      pc.prompts[name] = text.get<std::string>();
    }
  }
  pc.default_prompt_name = json_string(j, "default_prompt_name", file);
  if (pc.default_prompt_name && !pc.prompts.count(*pc.default_prompt_name)) {
    std::string names;
    for (const auto& [n, t] : pc.prompts) names += (names.empty() ? "" : ", ") + n;
    throw Error(file.string() + ": default_prompt_name '" + *pc.default_prompt_name +
                "' is not among the prompts (" + (names.empty() ? "none" : names) + ")");
  }
  return pc;
}

}  // namespace sembed::loader

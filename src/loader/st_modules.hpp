// The sentence-transformers modules that follow Pooling in modules.json, as configured on disk:
// Dense (its folder's config.json; weights are bound by model/dense_module.hpp) and Normalize.
// Also config_sentence_transformers.json's prompts. Each is checked field by field; errors name
// the file, the field and the value.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sembed::loader {

// Dense's activation_function, as sentence-transformers writes it (the torch class's full name).
enum class DenseActivation { Identity, Tanh, Relu, Gelu, Sigmoid, Silu };

struct DenseConfig {
  std::filesystem::path dir;  // the module's folder: config.json + model.safetensors / .bin
  int in_features = 0, out_features = 0;
  bool bias = true;
  DenseActivation activation = DenseActivation::Tanh;  // sentence-transformers' default
  std::string activation_name;                         // as written, for `sembed info`
  bool use_residual = false;
};

// One module after Pooling, in modules.json order.
struct OutputModule {
  enum class Kind { Dense, Normalize } kind;
  DenseConfig dense;  // when kind == Dense
};

// Reads a Dense module folder's config.json. `notes` receives what the user should know (e.g.
// an untrusted activation path replaced by Tanh, as sentence-transformers does).
DenseConfig read_dense_config(const std::filesystem::path& dir, std::vector<std::string>& notes);

struct PromptConfig {
  std::map<std::string, std::string> prompts;  // name -> text prepended to the input
  std::optional<std::string> default_prompt_name;
};

// config_sentence_transformers.json's "prompts" and "default_prompt_name" (absent file: none).
// A default_prompt_name that is not among the prompts is an error, as in sentence-transformers.
PromptConfig read_prompt_config(const std::filesystem::path& file);

}  // namespace sembed::loader

// sembed info: what a model directory holds (family, architecture, sizes, max_seq_length, the
// modules after the Transformer, prompts, weight file and dtype, parameter count of the base
// model without task heads) and
// how long loading its configuration and weights took. Uses the loader directly: it does not
// build the encoder or the tokenizer, so it works as a quick check of a downloaded directory.
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sembed/sembed.hpp>
#include <string>

#include "loader/encoder_tensor_names.hpp"
#include "loader/model_directory.hpp"
#include "loader/weight_store.hpp"
#include "ops/cpu/cpu_features.hpp"
#include "ops/cpu/linear.hpp"
#include "sembed/commands.hpp"

namespace sembed::cli {
namespace {

struct InfoCommand {
  std::string model_dir;
  bool json = false;

  void run() const {
    const auto dir = resolve_model_dir(
        model_dir.empty() ? std::nullopt : std::optional<std::filesystem::path>(model_dir));
    const auto start = std::chrono::steady_clock::now();
    const auto md = loader::read_model_directory(dir);
    auto weights = loader::WeightStore::open(md.dir);
    for (const auto& prefix : md.encoder.names.base_model_prefixes) weights.strip_prefix(prefix);
    const auto check = loader::check_encoder_tensors(
        md.encoder, weights,
        md.cross_encoder ? loader::head_tensor_names(md.cross_encoder->head)
                         : std::vector<std::string>{});
    const double load_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

    std::vector<std::string> notes = md.notes;
    notes.insert(notes.end(), weights.notes().begin(), weights.notes().end());
    notes.insert(notes.end(), check.notes.begin(), check.notes.end());
    const auto& b = md.encoder;
    const auto modules = loader::describe_modules(md);
    // What this CPU can run: its matrix instructions and oneDNN's kernel per --dtype.
    const auto& features = ops::cpu::cpu_features();
    nlohmann::json kernels = nlohmann::json::object();
    for (auto p : {ops::cpu::Precision::Float32, ops::cpu::Precision::BFloat16,
                   ops::cpu::Precision::Int8})
      kernels[ops::cpu::to_string(p)] = ops::cpu::matmul_kernel_for(p);
    nlohmann::json prompts = nlohmann::json::object();
    for (const auto& [name, text] : md.prompts.prompts) prompts[name] = text;
    if (json) {
      nlohmann::json j = {
          {"model_dir", std::filesystem::absolute(dir).string()},
          {"family", b.family},
          {"model_type", b.model_type},
          {"architecture", b.architecture},
          {"hidden_size", b.hidden_size},
          {"num_hidden_layers", b.num_hidden_layers},
          {"num_attention_heads", b.num_attention_heads},
          {"intermediate_size", b.intermediate_size},
          {"vocab_size", b.vocab_size},
          {"max_position_embeddings", b.max_position_embeddings},
          {"max_seq_length", md.max_seq_length},
          {"pooling", std::string(to_string(md.pooling.mode))},
          {"normalize", md.normalize},
          {"modules", modules},
          {"dimension", md.embedding_dimension},
          {"prompts", prompts},
          {"default_prompt_name", md.prompts.default_prompt_name
                                      ? nlohmann::json(*md.prompts.default_prompt_name)
                                      : nlohmann::json(nullptr)},
          {"weight_file", weights.source()},
          {"weight_dtype", weights.source_dtype()},
          {"parameter_count", check.parameter_count},
          {"has_pooler", check.has_pooler},
          {"zero_copy_tensors", weights.zero_copy_tensors()},
          {"tensors", weights.tensors().size()},
          {"load_ms", load_ms},
          {"cpu_features", features},
          {"matmul_kernels", kernels},
          {"dtype_auto", std::string(to_string(resolve_dtype(DType::Auto)))},
          {"notes", notes},
      };
      if (md.cross_encoder) {
        j["cross_encoder"] = {{"labels", md.cross_encoder->labels},
                              {"activation", loader::to_string(md.cross_encoder->activation)},
                              {"pair_type_ids", md.cross_encoder->pair_type_ids}};
      }
      std::printf("%s\n", j.dump(2).c_str());
      return;
    }
    std::printf("model directory   %s\n", std::filesystem::absolute(dir).string().c_str());
    std::printf("family            %s\n", b.family.c_str());
    std::printf("architecture      %s (model_type %s)\n", b.architecture.c_str(),
                b.model_type.c_str());
    std::printf("hidden size       %d\n", b.hidden_size);
    std::printf("layers            %d\n", b.num_hidden_layers);
    std::printf("attention heads   %d\n", b.num_attention_heads);
    std::printf("intermediate size %d\n", b.intermediate_size);
    std::printf("vocabulary        %d\n", b.vocab_size);
    std::printf("max_seq_length    %d (max_position_embeddings %d)\n", md.max_seq_length,
                b.max_position_embeddings);
    for (size_t i = 0; i < modules.size(); ++i)
      std::printf("%s %s\n", i == 0 ? "modules          " : "                 ",
                  modules[i].c_str());
    if (md.cross_encoder) {
      std::string labels;
      for (const auto& l : md.cross_encoder->labels) labels += (labels.empty() ? "" : ", ") + l;
      std::printf("cross-encoder     labels %s; activation %s%s\n", labels.c_str(),
                  loader::to_string(md.cross_encoder->activation),
                  md.declared_cross_encoder ? "" : " (also loads as an embedding model)");
    }
    if (!md.declared_cross_encoder) {
      std::printf("dimension         %d\n", md.embedding_dimension);
      std::printf("normalize         %s\n", md.normalize ? "yes" : "no");
    }
    if (md.prompts.prompts.empty()) std::printf("prompts           none\n");
    for (const auto& [name, text] : md.prompts.prompts)
      std::printf("prompt            %s = \"%s\"%s\n", name.c_str(), text.c_str(),
                  md.prompts.default_prompt_name == name ? " (default)" : "");
    std::printf("weights           %s (%s, %zu tensors, %zu used in place)\n",
                weights.source().c_str(), weights.source_dtype().c_str(), weights.tensors().size(),
                weights.zero_copy_tensors());
    std::printf("parameters        %zu (%.1fM)\n", check.parameter_count,
                static_cast<double>(check.parameter_count) / 1e6);
    std::printf("load time         %.1f ms\n", load_ms);
    std::string feature_list;
    for (const auto& f : features) feature_list += (feature_list.empty() ? "" : ", ") + f;
    std::printf("cpu               %s\n", feature_list.empty() ? "?" : feature_list.c_str());
    for (const auto& [dtype, kernel] : kernels.items())
      std::printf("--dtype %-9s %s\n", dtype.c_str(), kernel.get<std::string>().c_str());
    std::printf("--dtype auto      runs %s here\n",
                std::string(to_string(resolve_dtype(DType::Auto))).c_str());
    for (const auto& n : notes) std::printf("note              %s\n", n.c_str());
  }
};

}  // namespace

void register_info(CLI::App& app) {
  auto state = std::make_shared<InfoCommand>();
  CLI::App* cmd = app.add_subcommand(
      "info", "Describe a model directory: family, sizes, modules, prompts, weights, load time");
  cmd->add_option("--model,-m", state->model_dir,
                  "Model directory (default: $SEMBED_MODEL, then the fetched all-MiniLM-L6-v2)");
  cmd->add_flag("--json", state->json, "Print one JSON object instead of text");
  cmd->callback([state] { state->run(); });
}

}  // namespace sembed::cli

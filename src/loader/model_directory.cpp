// read_model_directory: the configuration side of a model directory (config.json, modules.json,
// sentence_bert_config.json, the Pooling module's config.json), checked field by field.
#include "loader/model_directory.hpp"

#include <algorithm>
#include <sembed/error.hpp>

#include "loader/json_file.hpp"

namespace sembed::loader {

namespace fs = std::filesystem;

namespace {

int bounded_int(const nlohmann::json& obj, std::string_view key, const fs::path& file, int fallback,
                int64_t lo, int64_t hi) {
  const auto v = json_int(obj, key, file);
  if (!v) return fallback;
  if (*v < lo || *v > hi)
    throw Error(file.string() + ": field '" + std::string(key) + "' = " + std::to_string(*v) +
                " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int>(*v);
}

// Defaults are transformers' BertConfig defaults, which is what it uses for absent fields.
BertConfig read_bert_config(const fs::path& file) {
  const auto j = read_json_file(file);
  if (!j.is_object()) throw Error(file.string() + ": not a JSON object");
  BertConfig c;
  const auto model_type = json_string(j, "model_type", file);
  if (!model_type) throw Error(file.string() + ": no 'model_type' field");
  c.model_type = *model_type;
  if (c.model_type != "bert")
    throw Error(file.string() + ": model_type '" + c.model_type + "': " + c.model_type +
                " is not supported yet (sembed runs BERT models)");
  if (auto it = j.find("architectures"); it != j.end() && !it->is_null()) {
    if (!it->is_array() || (!it->empty() && !(*it)[0].is_string()))
      throw Error(file.string() + ": field 'architectures' should be a list of names");
    if (!it->empty()) c.architecture = (*it)[0].get<std::string>();
  }
  // Any BERT head class (BertForMaskedLM, ...) holds a BertModel; its head weights are ignored.
  if (!c.architecture.empty() && c.architecture.rfind("Bert", 0) != 0)
    throw Error(file.string() + ": architecture '" + c.architecture +
                "' is not supported yet (sembed runs BERT models)");
  if (c.architecture.empty()) c.architecture = "BertModel";

  c.vocab_size = bounded_int(j, "vocab_size", file, 30522, 1, 10'000'000);
  c.hidden_size = bounded_int(j, "hidden_size", file, 768, 1, 65536);
  c.num_hidden_layers = bounded_int(j, "num_hidden_layers", file, 12, 1, 1024);
  c.num_attention_heads = bounded_int(j, "num_attention_heads", file, 12, 1, 65536);
  c.intermediate_size = bounded_int(j, "intermediate_size", file, 3072, 1, 1 << 20);
  c.max_position_embeddings = bounded_int(j, "max_position_embeddings", file, 512, 1, 1 << 20);
  c.type_vocab_size = bounded_int(j, "type_vocab_size", file, 2, 1, 65536);
  c.pad_token_id = bounded_int(j, "pad_token_id", file, 0, 0, c.vocab_size - 1);
  if (c.hidden_size % c.num_attention_heads != 0)
    throw Error(file.string() + ": hidden_size " + std::to_string(c.hidden_size) +
                " is not a multiple of num_attention_heads " +
                std::to_string(c.num_attention_heads));
  if (auto eps = json_number(j, "layer_norm_eps", file)) {
    if (!(*eps > 0 && *eps < 1))
      throw Error(file.string() + ": field 'layer_norm_eps' = " + std::to_string(*eps) +
                  " is not a small positive number");
    c.layer_norm_eps = static_cast<float>(*eps);
  }
  if (auto act = json_string(j, "hidden_act", file)) c.hidden_act = *act;
  if (auto pos = json_string(j, "position_embedding_type", file); pos && *pos != "absolute")
    throw Error(file.string() + ": position_embedding_type '" + *pos +
                "' is not supported yet (only 'absolute')");
  return c;
}

// "sentence_transformers.models.Pooling" -> "Pooling"; empty when not a sentence-transformers
// module (custom code we will never run).
std::string module_class(const std::string& type) {
  if (type.rfind("sentence_transformers.", 0) != 0) return {};
  return type.substr(type.rfind('.') + 1);
}

// A module folder from modules.json, kept inside the model directory.
fs::path module_dir(const fs::path& root, const std::string& path, const fs::path& file) {
  const fs::path p(path);
  if (p.is_absolute()) throw Error(file.string() + ": module path '" + path + "' must be relative");
  for (const auto& part : p)
    if (part == "..")
      throw Error(file.string() + ": module path '" + path + "' leaves the model directory");
  return path.empty() ? root : root / p;
}

PoolingConfig read_pooling_config(const fs::path& file, int hidden_size) {
  const auto j = read_json_file(file);
  if (!j.is_object()) throw Error(file.string() + ": not a JSON object");
  if (auto dim = json_int(j, "word_embedding_dimension", file); dim && *dim != hidden_size)
    throw Error(file.string() + ": word_embedding_dimension " + std::to_string(*dim) +
                " does not match the model's hidden_size " + std::to_string(hidden_size));
  PoolingConfig pc;
  pc.include_prompt = json_bool(j, "include_prompt", file).value_or(true);
  if (auto mode = json_string(j, "pooling_mode", file)) {
    try {
      pc.mode = parse_pooling_mode(*mode);
    } catch (const Error& e) {
      throw Error(file.string() + ": " + e.what());
    }
    return pc;
  }
  // sentence-transformers' Pooling defaults: mean on, everything else off.
  struct Flag {
    const char* key;
    PoolingMode mode;
    bool fallback;
  };
  static const Flag kFlags[] = {
      {"pooling_mode_cls_token", PoolingMode::Cls, false},
      {"pooling_mode_mean_tokens", PoolingMode::Mean, true},
      {"pooling_mode_max_tokens", PoolingMode::Max, false},
      {"pooling_mode_mean_sqrt_len_tokens", PoolingMode::MeanSqrtLenTokens, false},
      {"pooling_mode_weightedmean_tokens", PoolingMode::WeightedMean, false},
      {"pooling_mode_lasttoken", PoolingMode::LastToken, false},
  };
  std::vector<PoolingMode> on;
  for (const auto& f : kFlags)
    if (json_bool(j, f.key, file).value_or(f.fallback)) on.push_back(f.mode);
  if (on.empty()) throw Error(file.string() + ": no pooling mode is enabled");
  if (on.size() > 1) {
    std::string names;
    for (auto m : on) names += (names.empty() ? "" : ", ") + std::string(to_string(m));
    throw Error(file.string() + ": combines several pooling modes (" + names +
                "), which is not supported yet; sembed pools with one mode");
  }
  pc.mode = on.front();
  return pc;
}

}  // namespace

ModelDirectory read_model_directory(const fs::path& root) {
  std::error_code ec;
  if (!fs::exists(root, ec)) throw Error(root.string() + ": model directory does not exist");
  if (!fs::is_directory(root, ec)) throw Error(root.string() + ": not a directory");
  ModelDirectory md;
  md.root = root;
  md.dir = root;

  const fs::path modules_file = root / "modules.json";
  fs::path pooling_dir;
  if (fs::exists(modules_file, ec)) {
    md.has_modules_json = true;
    const auto j = read_json_file(modules_file);
    if (!j.is_array() || j.empty()) throw Error(modules_file.string() + ": not a list of modules");
    std::vector<std::string> stages;  // classes in order
    for (const auto& m : j) {
      if (!m.is_object()) throw Error(modules_file.string() + ": a module entry is not an object");
      const auto type = json_string(m, "type", modules_file);
      if (!type) throw Error(modules_file.string() + ": a module has no 'type'");
      const std::string cls = module_class(*type);
      const std::string path = json_string(m, "path", modules_file).value_or("");
      if (cls == "Transformer" && stages.empty()) {
        md.dir = module_dir(root, path, modules_file);
      } else if (cls == "Pooling" && stages.size() == 1) {
        pooling_dir = module_dir(root, path, modules_file);
      } else if (cls == "Normalize" && stages.size() == 2) {
        md.normalize = true;
      } else if (cls == "Transformer" || cls == "Pooling" || cls == "Normalize") {
        throw Error(modules_file.string() + ": module '" + *type + "' at position " +
                    std::to_string(stages.size()) +
                    " is not supported (sembed runs Transformer -> Pooling -> optional Normalize)");
      } else {
        throw Error(modules_file.string() + ": module '" + *type + "'" +
                    (path.empty() ? "" : " (" + path + ")") +
                    " is not supported yet (sembed runs Transformer -> Pooling -> optional "
                    "Normalize)");
      }
      stages.push_back(cls);
    }
    if (stages.size() < 2)
      throw Error(modules_file.string() + ": no Pooling module after the Transformer");
  } else {
    md.notes.push_back(
        "no modules.json: a plain transformers model; using mean pooling without "
        "normalization, as sentence-transformers does");
  }

  const fs::path config_file = md.dir / "config.json";
  if (!fs::exists(config_file, ec))
    throw Error(md.dir.string() + ": no config.json (is this a model directory?)");
  md.bert = read_bert_config(config_file);

  if (!pooling_dir.empty())
    md.pooling = read_pooling_config(pooling_dir / "config.json", md.bert.hidden_size);

  const fs::path sbert_file = md.dir / "sentence_bert_config.json";
  std::optional<int64_t> max_seq;
  if (fs::exists(sbert_file, ec)) {
    const auto j = read_json_file(sbert_file);
    if (!j.is_object()) throw Error(sbert_file.string() + ": not a JSON object");
    max_seq = json_int(j, "max_seq_length", sbert_file);
    if (max_seq && *max_seq < 1)
      throw Error(sbert_file.string() + ": max_seq_length must be positive");
    md.do_lower_case = json_bool(j, "do_lower_case", sbert_file);
  }
  if (!max_seq) {
    // sentence-transformers: min(max_position_embeddings, tokenizer.model_max_length).
    max_seq = md.bert.max_position_embeddings;
    const fs::path tok_file = md.dir / "tokenizer_config.json";
    if (fs::exists(tok_file, ec)) {
      const auto j = read_json_file(tok_file);
      if (auto v = json_number(j, "model_max_length", tok_file); v && *v >= 1 && *v < *max_seq)
        max_seq = static_cast<int64_t>(*v);
    }
    md.notes.push_back("max_seq_length " + std::to_string(*max_seq) +
                       " (no sentence_bert_config.json value; from the model's limits)");
  }
  if (*max_seq > md.bert.max_position_embeddings) {
    md.notes.push_back("max_seq_length " + std::to_string(*max_seq) +
                       " exceeds max_position_embeddings; using " +
                       std::to_string(md.bert.max_position_embeddings));
    max_seq = md.bert.max_position_embeddings;
  }
  md.max_seq_length = static_cast<int>(*max_seq);
  return md;
}

}  // namespace sembed::loader

// read_model_directory: the configuration side of a model directory (config.json, modules.json,
// sentence_bert_config.json, the Pooling module's config.json), checked field by field.
#include "loader/model_directory.hpp"

#include <algorithm>
#include <sembed/error.hpp>

#include "loader/families/families.hpp"
#include "loader/json_file.hpp"

namespace sembed::loader {

namespace fs = std::filesystem;

namespace {

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
  // sentence-transformers 6 writes embedding_dimension, earlier versions word_embedding_dimension.
  for (const char* key : {"embedding_dimension", "word_embedding_dimension"})
    if (auto dim = json_int(j, key, file); dim && *dim != hidden_size)
      throw Error(file.string() + ": " + key + " " + std::to_string(*dim) +
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

// sentence_bert_config.json's model_args / model_kwargs (from_pretrained arguments). sembed
// computes in float32 with exact attention; arguments that only choose how transformers
// computes the same thing are accepted with a note, the rest refused by name.
void read_model_args(const nlohmann::json& sbert, const fs::path& file,
                     std::vector<std::string>& notes) {
  for (const char* key : {"model_args", "model_kwargs"}) {
    auto it = sbert.find(key);
    if (it == sbert.end() || it->is_null()) continue;
    if (!it->is_object()) throw Error(file.string() + ": field '" + key + "' should be an object");
    for (const auto& [name, value] : it->items()) {
      if (name == "torch_dtype" || name == "dtype") {
        if (!value.is_string() ||
            (value != "float32" && value != "auto" && value != "float16" && value != "bfloat16"))
          throw Error(file.string() + ": " + key + "." + name + " = " + value.dump() +
                      " is not supported");
        if (value != "float32")
          notes.push_back(std::string(key) + "." + name + " = " + value.get<std::string>() +
                          ": sembed computes in float32");
      } else if (name == "attn_implementation") {
        notes.push_back(std::string(key) + ".attn_implementation = " + value.dump() +
                        ": sembed computes exact (eager) attention");
      } else if (name == "trust_remote_code" || name == "add_pooling_layer" || name == "revision" ||
                 name == "local_files_only" || name == "cache_dir") {
        // Loading details without effect on the computation.
      } else {
        throw Error(file.string() + ": " + key + "." + name + " = " + value.dump() +
                    " is not supported");
      }
    }
  }
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
    std::vector<std::string> stages;   // classes in order
    std::vector<fs::path> dense_dirs;  // per Dense module, read once config.json is known
    const char* kPipeline = "Transformer -> Pooling -> any Dense / Normalize modules";
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
      } else if ((cls == "Dense" || cls == "Normalize") && stages.size() >= 2) {
        OutputModule om{cls == "Dense" ? OutputModule::Kind::Dense : OutputModule::Kind::Normalize,
                        {}};
        if (cls == "Dense") om.dense.dir = module_dir(root, path, modules_file);
        md.modules.push_back(om);
      } else if (cls == "Transformer" || cls == "Pooling" || cls == "Normalize" || cls == "Dense") {
        throw Error(modules_file.string() + ": module '" + *type + "' at position " +
                    std::to_string(stages.size()) + " is not supported (sembed runs " + kPipeline +
                    ")");
      } else {
        throw Error(modules_file.string() + ": module '" + *type + "'" +
                    (path.empty() ? "" : " (" + path + ")") +
                    " is not supported yet (sembed runs " + kPipeline + ")");
      }
      stages.push_back(cls);
    }
    if (stages.size() < 2) {
      // sentence-transformers 5+ CrossEncoders: one Transformer with a classification task.
      const fs::path sbert_file = md.dir / "sentence_bert_config.json";
      std::optional<std::string> task;
      if (fs::exists(sbert_file, ec))
        task = json_string(read_json_file(sbert_file), "transformer_task", sbert_file);
      if (task != "sequence-classification")
        throw Error(modules_file.string() + ": no Pooling module after the Transformer");
      md.declared_cross_encoder = true;
    }
  } else {
    md.notes.push_back(
        "no modules.json: a plain transformers model; using mean pooling without "
        "normalization, as sentence-transformers does");
  }

  const fs::path config_file = md.dir / "config.json";
  if (!fs::exists(config_file, ec))
    throw Error(md.dir.string() + ": no config.json (is this a model directory?)");
  md.encoder = read_encoder_config(config_file);
  const fs::path st_config_file = root / "config_sentence_transformers.json";
  if (!md.declared_cross_encoder && fs::exists(st_config_file, ec)) {
    const auto j = read_json_file(st_config_file);
    md.declared_cross_encoder =
        j.is_object() && json_string(j, "model_type", st_config_file) == "CrossEncoder";
  }
  if (md.declared_cross_encoder && !is_sequence_classifier(md.encoder))
    throw Error(config_file.string() + ": the directory is a sentence-transformers CrossEncoder "
                "but the architecture '" + md.encoder.architecture +
                "' is not a *ForSequenceClassification class");
  if (md.declared_cross_encoder || (!md.has_modules_json && is_sequence_classifier(md.encoder)))
    md.cross_encoder = read_cross_encoder_config(config_file, md.encoder, st_config_file, md.notes);

  if (!pooling_dir.empty())
    md.pooling = read_pooling_config(pooling_dir / "config.json", md.encoder.hidden_size);

  // Dense modules chain: each one's in_features must be the size that reaches it.
  int dim = md.encoder.hidden_size;
  for (auto& m : md.modules) {
    if (m.kind != OutputModule::Kind::Dense) continue;
    const fs::path dense_dir = m.dense.dir;
    m.dense = read_dense_config(dense_dir, md.notes);
    if (m.dense.in_features != dim)
      throw Error((dense_dir / "config.json").string() + ": in_features " +
                  std::to_string(m.dense.in_features) + " does not fit the " + std::to_string(dim) +
                  "-dimensional embedding that reaches this Dense module");
    dim = m.dense.out_features;
  }
  md.embedding_dimension = dim;
  md.normalize = !md.modules.empty() && md.modules.back().kind == OutputModule::Kind::Normalize;
  md.prompts = read_prompt_config(st_config_file);

  const fs::path sbert_file = md.dir / "sentence_bert_config.json";
  std::optional<int64_t> max_seq;
  if (fs::exists(sbert_file, ec)) {
    const auto j = read_json_file(sbert_file);
    if (!j.is_object()) throw Error(sbert_file.string() + ": not a JSON object");
    max_seq = json_int(j, "max_seq_length", sbert_file);
    if (max_seq && *max_seq < 1)
      throw Error(sbert_file.string() + ": max_seq_length must be positive");
    md.do_lower_case = json_bool(j, "do_lower_case", sbert_file);
    read_model_args(j, sbert_file, md.notes);
  }
  if (!max_seq) {
    // sentence-transformers: min(max_position_embeddings, tokenizer.model_max_length).
    max_seq = md.encoder.max_tokens();
    const fs::path tok_file = md.dir / "tokenizer_config.json";
    if (fs::exists(tok_file, ec)) {
      const auto j = read_json_file(tok_file);
      if (auto v = json_number(j, "model_max_length", tok_file); v && *v >= 1 && *v < *max_seq)
        max_seq = static_cast<int64_t>(*v);
    }
    md.notes.push_back("max_seq_length " + std::to_string(*max_seq) +
                       " (no sentence_bert_config.json value; from the model's limits)");
  }
  if (*max_seq > md.encoder.max_tokens()) {
    md.notes.push_back("max_seq_length " + std::to_string(*max_seq) +
                       " exceeds what the position embeddings allow; using " +
                       std::to_string(md.encoder.max_tokens()));
    max_seq = md.encoder.max_tokens();
  }
  md.max_seq_length = static_cast<int>(*max_seq);
  return md;
}

std::vector<std::string> describe_modules(const ModelDirectory& md) {
  if (md.declared_cross_encoder) return {describe_classifier(*md.cross_encoder)};
  std::vector<std::string> out;
  out.push_back("Pooling (" + std::string(to_string(md.pooling.mode)) +
                (md.pooling.include_prompt ? "" : ", include_prompt false") + ")");
  for (const auto& m : md.modules) {
    if (m.kind == OutputModule::Kind::Normalize) {
      out.push_back("Normalize");
      continue;
    }
    const auto& d = m.dense;
    const std::string act = d.activation_name.substr(d.activation_name.rfind('.') + 1);
    out.push_back("Dense " + std::to_string(d.in_features) + " -> " +
                  std::to_string(d.out_features) + (d.bias ? ", bias, " : ", no bias, ") + act +
                  (d.use_residual ? ", residual" : ""));
  }
  return out;
}

}  // namespace sembed::loader

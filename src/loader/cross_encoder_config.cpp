// See cross_encoder_config.hpp.
#include "loader/cross_encoder_config.hpp"

#include <sembed/error.hpp>

#include "loader/config_fields.hpp"
#include "loader/json_file.hpp"

namespace sembed::loader {

namespace fs = std::filesystem;

namespace {

const std::string kSuffix = "ForSequenceClassification";

// transformers' ACT2FN names a ModernBERT head may use (the tanh-approximated GELUs are refused:
// the head computes the exact erf GELU only).
DenseActivation head_activation(const std::string& name, const fs::path& file) {
  if (name == "gelu") return DenseActivation::Gelu;
  if (name == "relu") return DenseActivation::Relu;
  if (name == "silu" || name == "swish") return DenseActivation::Silu;
  if (name == "tanh") return DenseActivation::Tanh;
  if (name == "sigmoid") return DenseActivation::Sigmoid;
  if (name == "linear" || name == "identity") return DenseActivation::Identity;
  throw Error(file.string() + ": classifier_activation '" + name +
              "' is not supported (gelu, relu, silu, tanh, sigmoid, identity)");
}

ClassifierHeadConfig read_head(const nlohmann::json& j, const EncoderConfig& e,
                               const fs::path& file) {
  ClassifierHeadConfig h;
  const std::string& f = e.family;
  if (f == "bert" || f == "nomic_bert" || f == "gte") {
    h.dense = {"pooler.dense.weight", "pooler.dense.bias"};
    h.out = {"classifier.weight", "classifier.bias"};
  } else if (f == "roberta" || f == "mpnet") {
    h.dense = {"classifier.dense.weight", "classifier.dense.bias"};
    h.out = {"classifier.out_proj.weight", "classifier.out_proj.bias"};
  } else if (f == "distilbert") {
    h.dense = {"pre_classifier.weight", "pre_classifier.bias"};
    h.dense_activation = DenseActivation::Relu;
    h.out = {"classifier.weight", "classifier.bias"};
  } else if (f == "modernbert") {
    const std::string pooling = json_string(j, "classifier_pooling", file).value_or("cls");
    if (pooling != "cls" && pooling != "mean")
      throw Error(file.string() + ": classifier_pooling '" + pooling +
                  "' is not supported (cls or mean)");
    h.mean_pool = pooling == "mean";
    const bool dense_bias = json_bool(j, "classifier_bias", file).value_or(false);
    h.dense = {"head.dense.weight", dense_bias ? "head.dense.bias" : ""};
    h.dense_activation =
        head_activation(json_string(j, "classifier_activation", file).value_or("gelu"), file);
    const bool norm_bias = json_bool(j, "norm_bias", file).value_or(false);
    h.norm = {"head.norm.weight", norm_bias ? "head.norm.bias" : ""};
    h.norm_eps = config_eps(j, "norm_eps", file, 1e-5f);
    h.out = {"classifier.weight", "classifier.bias"};
  } else {
    throw Error(file.string() + ": no sequence-classification head is known for the " + f +
                " family");
  }
  return h;
}

// transformers' PretrainedConfig: id2label decides num_labels; without it, num_labels; else 2.
std::vector<std::string> read_labels(const nlohmann::json& j, const fs::path& file) {
  auto it = j.find("id2label");
  if (it != j.end() && !it->is_null()) {
    if (!it->is_object() || it->empty())
      throw Error(file.string() + ": field 'id2label' should be a non-empty object");
    std::vector<std::string> labels(it->size());
    std::vector<bool> seen(it->size());
    for (const auto& [key, value] : it->items()) {
      size_t id = 0, used = 0;
      try {
        id = std::stoul(key, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != key.size() || id >= labels.size() || seen[id] || !value.is_string())
        throw Error(file.string() + ": id2label should map the ids 0.." +
                    std::to_string(labels.size() - 1) + " to label names (found '" + key + "')");
      labels[id] = value.get<std::string>();
      seen[id] = true;
    }
    if (auto n = json_int(j, "num_labels", file); n && *n != static_cast<int64_t>(labels.size()))
      throw Error(file.string() + ": num_labels " + std::to_string(*n) + " but id2label has " +
                  std::to_string(labels.size()) + " labels");
    return labels;
  }
  const int n = config_int(j, "num_labels", file, 2, 1, 1 << 16);
  std::vector<std::string> labels;
  for (int i = 0; i < n; ++i) labels.push_back("LABEL_" + std::to_string(i));
  return labels;
}

// The activation path as sentence-transformers stores it; nullopt when absent or null.
std::optional<std::string> stored_activation(const fs::path& config_file, const nlohmann::json& cj,
                                             const fs::path& st_config_file) {
  std::error_code ec;
  if (fs::exists(st_config_file, ec)) {
    const auto sj = read_json_file(st_config_file);
    if (!sj.is_object()) throw Error(st_config_file.string() + ": not a JSON object");
    if (auto a = json_string(sj, "activation_fn", st_config_file)) return a;
  }
  if (auto it = cj.find("sentence_transformers"); it != cj.end() && it->is_object())
    if (auto a = json_string(*it, "activation_fn", config_file)) return a;
  return json_string(cj, "sbert_ce_default_activation_function", config_file);
}

// transformers' tokenizer classes whose model_input_names include token_type_ids (transformers
// 5.24; "Fast" names are the same classes).
bool class_returns_type_ids(std::string cls) {
  if (cls.size() > 4 && cls.compare(cls.size() - 4, 4, "Fast") == 0) cls.resize(cls.size() - 4);
  static const char* kClasses[] = {
      "BertTokenizer",     "CanineTokenizer",    "DPRQuestionEncoderTokenizer",
      "DebertaTokenizer",  "DebertaV2Tokenizer", "FNetTokenizer",
      "LayoutLMv2Tokenizer", "LxmertTokenizer",  "MarkupLMTokenizer",
      "MobileBertTokenizer", "TapasTokenizer"};
  for (const char* c : kClasses)
    if (cls == c) return true;
  return false;
}

bool tokenizer_returns_type_ids(const fs::path& dir, const EncoderConfig& encoder) {
  std::error_code ec;
  const fs::path file = dir / "tokenizer_config.json";
  if (fs::exists(file, ec)) {
    const auto j = read_json_file(file);
    if (j.is_object()) {
      if (auto it = j.find("model_input_names"); it != j.end() && it->is_array()) {
        for (const auto& n : *it)
          if (n == "token_type_ids") return true;
        return false;
      }
      if (auto cls = json_string(j, "tokenizer_class", file)) return class_returns_type_ids(*cls);
    }
  }
  // AutoTokenizer's class for the model_type: BertTokenizer for these.
  return encoder.model_type == "bert" || encoder.model_type == "nomic_bert" ||
         encoder.model_type == "distilbert";
}

}  // namespace

std::vector<std::string> head_tensor_names(const ClassifierHeadConfig& head) {
  std::vector<std::string> names;
  for (const std::string* n : {&head.dense.weight, &head.dense.bias, &head.norm.weight,
                               &head.norm.bias, &head.out.weight, &head.out.bias})
    if (!n->empty()) names.push_back(*n);
  return names;
}

bool is_sequence_classifier(const EncoderConfig& encoder) {
  const std::string& a = encoder.architecture;
  return a.size() > kSuffix.size() && a.compare(a.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0;
}

std::string describe_classifier(const CrossEncoderConfig& c) {
  static const char* kActivation[] = {"identity", "tanh", "relu", "gelu", "sigmoid", "silu"};
  const auto& h = c.head;
  std::string s = std::string("Classifier (") + (h.mean_pool ? "mean" : "first token") + " -> " +
                  h.dense.weight.substr(0, h.dense.weight.rfind('.')) + ", " +
                  kActivation[static_cast<int>(h.dense_activation)];
  if (!h.norm.weight.empty()) s += " -> LayerNorm";
  return s + " -> " + std::to_string(h.num_labels) + (h.num_labels == 1 ? " label" : " labels") +
         "), activation " + to_string(c.activation);
}

const char* to_string(ScoreActivation a) {
  switch (a) {
    case ScoreActivation::Identity:
      return "Identity";
    case ScoreActivation::Sigmoid:
      return "Sigmoid";
    case ScoreActivation::Tanh:
      return "Tanh";
  }
  return "?";
}

CrossEncoderConfig read_cross_encoder_config(const fs::path& config_file,
                                             const EncoderConfig& encoder,
                                             const fs::path& st_config_file,
                                             std::vector<std::string>& notes) {
  const auto j = read_json_file(config_file);
  CrossEncoderConfig c;
  c.head = read_head(j, encoder, config_file);
  c.labels = read_labels(j, config_file);
  c.head.num_labels = static_cast<int>(c.labels.size());
  c.pair_type_ids = tokenizer_returns_type_ids(config_file.parent_path(), encoder);

  c.activation = c.labels.size() == 1 ? ScoreActivation::Sigmoid : ScoreActivation::Identity;
  c.activation_name = c.labels.size() == 1 ? "torch.nn.modules.activation.Sigmoid"
                                           : "torch.nn.modules.linear.Identity";
  if (auto path = stored_activation(config_file, j, st_config_file)) {
    if (path->rfind("torch.", 0) != 0) {
      notes.push_back("activation_fn '" + *path + "' is not a torch class; using " +
                      c.activation_name + " as sentence-transformers does without trust_remote_code");
      return c;
    }
    const std::string cls = path->substr(path->rfind('.') + 1);
    if (cls == "Sigmoid") c.activation = ScoreActivation::Sigmoid;
    else if (cls == "Identity") c.activation = ScoreActivation::Identity;
    else if (cls == "Tanh") c.activation = ScoreActivation::Tanh;
    else
      throw Error(config_file.parent_path().string() + ": the cross-encoder's activation_fn '" +
                  *path + "' is not supported (Sigmoid, Identity, Tanh)");
    c.activation_name = *path;
  }
  return c;
}

}  // namespace sembed::loader

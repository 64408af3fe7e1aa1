// Builds a Tokenizer's parts from files: tokenizer.json (its normalizer / pre_tokenizer / model
// / post_processor / added_tokens / truncation / padding blocks), or the older vocab.txt +
// tokenizer_config.json + special_tokens_map.json (+ added_tokens.json) layout, assembled the
// way transformers' BertTokenizerFast assembles it. A component we do not support is refused
// with an error naming the component and its type, never silently approximated.
#include <sembed/error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <type_traits>
#include <sstream>

#include "tokenizer/tokenizer_impl.hpp"

namespace sembed::tokenizer {
namespace {

using nlohmann::json;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json parse_json(std::string_view text, const std::string& origin) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    throw Error(origin + ": invalid JSON: " + e.what());
  }
}

// An integer JSON value inside [lo, hi], else nullopt. nlohmann's get<int>() of a float or of
// an out-of-range number is a plain cast (undefined behaviour, found by the fuzzer), so every
// integer read goes through here.
std::optional<int64_t> checked_int(const json& v, int64_t lo, int64_t hi) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(hi)) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    if (i < lo || i > hi) return std::nullopt;
    return i;
  }
  return std::nullopt;
}

// Largest length-like value accepted from a file (lengths, ids, counts).
constexpr int64_t kMaxCount = int64_t{1} << 30;

int32_t int_value(const json& v, int64_t lo, int64_t hi, const std::string& origin,
                  const std::string& what) {
  const auto i = checked_int(v, lo, hi);
  if (!i) throw Error(origin + ": " + what + " must be an integer in [" + std::to_string(lo) + ", " +
                      std::to_string(hi) + "]");
  return static_cast<int32_t>(*i);
}

// Typed field access with errors naming the file and field.
struct Reader {
  const std::string& origin;
  template <typename T>
  T get(const json& obj, const char* field, const std::string& where, T fallback) const {
    auto it = obj.find(field);
    if (it == obj.end() || it->is_null()) return fallback;
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      const int64_t lo = std::is_signed_v<T> ? -kMaxCount : 0;
      return static_cast<T>(int_value(*it, lo, kMaxCount, origin, "field '" + where + "." + field + "'"));
    } else {
      try {
        return it->get<T>();
      } catch (const json::exception&) {
        throw Error(origin + ": field '" + where + "." + field + "' has the wrong type");
      }
    }
  }
};

std::string type_of(const json& j) {
  auto it = j.find("type");
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string("(no type)");
}

NormalizerOptions read_bert_normalizer(const json& j, const Reader& r) {
  NormalizerOptions o;
  o.clean_text = r.get<bool>(j, "clean_text", "normalizer", true);
  o.handle_chinese_chars = r.get<bool>(j, "handle_chinese_chars", "normalizer", true);
  o.lowercase = r.get<bool>(j, "lowercase", "normalizer", true);
  auto it = j.find("strip_accents");
  if (it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) throw Error(r.origin + ": field 'normalizer.strip_accents' must be a boolean or null");
    o.strip_accents = it->get<bool>();
  }
  return o;
}

TemplatePiece special_piece(const std::string& id, int32_t type_id,
                            const std::map<std::string, std::pair<std::vector<int32_t>,
                                                                  std::vector<std::string>>>& specials,
                            const std::string& origin) {
  auto it = specials.find(id);
  if (it == specials.end()) {
    throw Error(origin + ": post_processor template names special token '" + id +
                "' missing from its special_tokens");
  }
  TemplatePiece p;
  p.ids = it->second.first;
  p.tokens = it->second.second;
  p.type_id = type_id;
  return p;
}

PostProcessor read_post_processor(const json& j, const Reader& r) {
  const std::string type = type_of(j);
  using Specials = std::map<std::string, std::pair<std::vector<int32_t>, std::vector<std::string>>>;
  if (type == "TemplateProcessing") {
    Specials specials;
    if (auto st = j.find("special_tokens"); st != j.end() && st->is_object()) {
      for (auto& [key, value] : st->items()) {
        try {
          std::vector<int32_t> ids;
          for (const json& id : value.at("ids")) {
            ids.push_back(int_value(id, 0, kMaxCount, r.origin, "post_processor special token id"));
          }
          specials[key] = {std::move(ids), value.at("tokens").get<std::vector<std::string>>()};
        } catch (const json::exception&) {
          throw Error(r.origin + ": post_processor.special_tokens['" + key + "'] is malformed");
        }
      }
    }
    auto read_template = [&](const char* name) {
      std::vector<TemplatePiece> pieces;
      auto t = j.find(name);
      if (t == j.end() || !t->is_array()) {
        throw Error(r.origin + ": post_processor." + name + " must be a list");
      }
      for (const json& item : *t) {
        if (auto s = item.find("SpecialToken"); s != item.end()) {
          pieces.push_back(special_piece(s->value("id", ""),
                                         r.get<int32_t>(*s, "type_id", "post_processor", 0),
                                         specials, r.origin));
        } else if (auto q = item.find("Sequence"); q != item.end()) {
          TemplatePiece p;
          p.is_sequence = true;
          const std::string id = q->value("id", "A");
          if (id != "A" && id != "B") {
            throw Error(r.origin + ": post_processor sequence id '" + id + "' (expected A or B)");
          }
          p.sequence = id == "A" ? 0 : 1;
          p.type_id = r.get<int32_t>(*q, "type_id", "post_processor", 0);
          pieces.push_back(std::move(p));
        } else {
          throw Error(r.origin + ": post_processor." + name + " has an unknown piece " + item.dump());
        }
      }
      return pieces;
    };
    return PostProcessor(read_template("single"), read_template("pair"));
  }
  if (type == "BertProcessing") {
    // {"sep": ["[SEP]", 102], "cls": ["[CLS]", 101]}: the BERT template.
    try {
      const json& sep = j.at("sep");
      const json& cls = j.at("cls");
      auto id_of = [&r](const json& t) {
        return int_value(t.at(1), 0, kMaxCount, r.origin, "post_processor (BertProcessing) id");
      };
      return PostProcessor::bert(cls.at(0).get<std::string>(), id_of(cls),
                                 sep.at(0).get<std::string>(), id_of(sep));
    } catch (const json::exception&) {
      throw Error(r.origin + ": post_processor (BertProcessing) is malformed");
    }
  }
  if (type == "RobertaProcessing") {
    // {"sep": ["</s>", 2], "cls": ["<s>", 0], "trim_offsets": true, "add_prefix_space": true}
    std::string cls_token, sep_token;
    int32_t cls_id = 0, sep_id = 0;
    try {
      const json& sep = j.at("sep");
      const json& cls = j.at("cls");
      cls_token = cls.at(0).get<std::string>();
      sep_token = sep.at(0).get<std::string>();
      cls_id = int_value(cls.at(1), 0, kMaxCount, r.origin, "field 'post_processor.cls' id");
      sep_id = int_value(sep.at(1), 0, kMaxCount, r.origin, "field 'post_processor.sep' id");
    } catch (const json::exception&) {
      throw Error(r.origin + ": post_processor (RobertaProcessing): fields 'sep' and 'cls' must be "
                  "[token, id] pairs");
    }
    return PostProcessor::roberta(cls_token, cls_id, sep_token, sep_id,
                                  r.get<bool>(j, "trim_offsets", "post_processor", true),
                                  r.get<bool>(j, "add_prefix_space", "post_processor", true));
  }
  if (type == "ByteLevel") {
    return PostProcessor::byte_level(r.get<bool>(j, "trim_offsets", "post_processor", true),
                                     r.get<bool>(j, "add_prefix_space", "post_processor", true));
  }
  throw Error(r.origin + ": post_processor type '" + type +
              "' is not supported (supported: TemplateProcessing, BertProcessing, "
              "RobertaProcessing, ByteLevel)");
}

Direction read_direction(const json& j, const Reader& r, const std::string& where) {
  const std::string d = r.get<std::string>(j, "direction", where, "Right");
  if (d == "Right") return Direction::Right;
  if (d == "Left") return Direction::Left;
  throw Error(r.origin + ": field '" + where + ".direction' has unknown value '" + d + "'");
}

TruncationParams read_truncation(const json& j, const Reader& r) {
  TruncationParams t;
  t.max_length = r.get<size_t>(j, "max_length", "truncation", 512);
  const std::string s = r.get<std::string>(j, "strategy", "truncation", "LongestFirst");
  if (s == "LongestFirst") {
    t.strategy = TruncationStrategy::LongestFirst;
  } else if (s == "OnlyFirst") {
    t.strategy = TruncationStrategy::OnlyFirst;
  } else if (s == "OnlySecond") {
    t.strategy = TruncationStrategy::OnlySecond;
  } else {
    throw Error(r.origin + ": truncation strategy '" + s + "' is not supported");
  }
  t.direction = read_direction(j, r, "truncation");
  return t;
}

PaddingParams read_padding(const json& j, const Reader& r) {
  PaddingParams p;
  auto st = j.find("strategy");
  if (st == j.end() || (st->is_string() && *st == "BatchLongest")) {
    p.strategy = PaddingStrategy::Longest;
  } else if (st->is_object() && st->contains("Fixed")) {
    p.strategy = PaddingStrategy::MaxLength;
    p.max_length = static_cast<size_t>(int_value((*st)["Fixed"], 0, kMaxCount, r.origin, "padding.strategy.Fixed"));
  } else {
    throw Error(r.origin + ": padding strategy " + st->dump() + " is not supported");
  }
  p.direction = read_direction(j, r, "padding");
  p.pad_to_multiple_of = r.get<size_t>(j, "pad_to_multiple_of", "padding", 0);
  p.pad_id = r.get<int32_t>(j, "pad_id", "padding", 0);
  p.pad_type_id = r.get<int32_t>(j, "pad_type_id", "padding", 0);
  p.pad_token = r.get<std::string>(j, "pad_token", "padding", "[PAD]");
  return p;
}

void finish(Tokenizer::Impl& impl, std::vector<AddedToken> added) {
  impl.added = AddedVocabulary(std::move(added), impl.normalizer ? &*impl.normalizer : nullptr);
  if (impl.padding) {
    impl.pad_id = impl.padding->pad_id;
    impl.pad_token = impl.padding->pad_token;
  } else if (const AddedToken* t = impl.added.find_content("[PAD]")) {
    impl.pad_id = t->id;
  }
}

// A special token in tokenizer_config.json / special_tokens_map.json: "x" or {"content": "x"}.
std::optional<std::string> token_value(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
    return (*it)["content"].get<std::string>();
  return std::nullopt;
}

}  // namespace

namespace {

std::unique_ptr<Tokenizer::Impl> load_tokenizer_json_unchecked(std::string_view text,
                                                               const std::string& origin) {
  const json root = parse_json(text, origin);
  if (!root.is_object()) throw Error(origin + ": not a JSON object");
  const Reader r{origin};
  auto impl = std::make_unique<Tokenizer::Impl>();

  // normalizer
  if (auto n = root.find("normalizer"); n != root.end() && !n->is_null()) {
    const std::string type = type_of(*n);
    if (type != "BertNormalizer") {
      throw Error(origin + ": normalizer type '" + type +
                  "' is not supported (supported: BertNormalizer)");
    }
    impl->normalizer.emplace(read_bert_normalizer(*n, r));
  }
  // pre_tokenizer
  if (auto p = root.find("pre_tokenizer"); p != root.end() && !p->is_null()) {
    const std::string type = type_of(*p);
    if (type != "BertPreTokenizer") {
      throw Error(origin + ": pre_tokenizer type '" + type +
                  "' is not supported (supported: BertPreTokenizer)");
    }
    impl->bert_pre_tokenizer = true;
  } else {
    impl->bert_pre_tokenizer = false;
  }
  // model
  auto m = root.find("model");
  if (m == root.end() || !m->is_object()) throw Error(origin + ": no 'model' block");
  const std::string mtype = type_of(*m);
  if (mtype != "WordPiece") {
    throw Error(origin + ": model type '" + mtype + "' is not supported (supported: WordPiece)");
  }
  WordPieceOptions wo;
  wo.unk_token = r.get<std::string>(*m, "unk_token", "model", "[UNK]");
  wo.continuing_subword_prefix = r.get<std::string>(*m, "continuing_subword_prefix", "model", "##");
  wo.max_input_chars_per_word = r.get<size_t>(*m, "max_input_chars_per_word", "model", 100);
  Vocab vocab;
  auto v = m->find("vocab");
  if (v == m->end() || !v->is_object()) throw Error(origin + ": field 'model.vocab' must be an object");
  for (auto& [token, id] : v->items()) {
    // Ids index dense tables: refuse negative or absurd ones instead of allocating for them.
    vocab.add(token, int_value(id, 0, (int64_t{1} << 24) - 1, origin, "model.vocab['" + token + "']"));
  }
  impl->model.emplace(std::move(vocab), std::move(wo));
  // post_processor
  if (auto p = root.find("post_processor"); p != root.end() && !p->is_null()) {
    impl->post = read_post_processor(*p, r);
  }
  if (auto t = root.find("truncation"); t != root.end() && !t->is_null()) {
    impl->truncation = read_truncation(*t, r);
  }
  if (auto p = root.find("padding"); p != root.end() && !p->is_null()) {
    impl->padding = read_padding(*p, r);
  }
  std::vector<AddedToken> added;
  if (auto a = root.find("added_tokens"); a != root.end() && a->is_array()) {
    for (const json& t : *a) {
      AddedToken tok;
      try {
        tok.id = int_value(t.at("id"), 0, kMaxCount, origin, "added_tokens id");
        tok.content = t.at("content").get<std::string>();
      } catch (const json::exception&) {
        throw Error(origin + ": an added_tokens entry lacks id or content");
      }
      tok.special = t.value("special", false);
      tok.normalized = t.value("normalized", !tok.special);
      tok.lstrip = t.value("lstrip", false);
      tok.rstrip = t.value("rstrip", false);
      tok.single_word = t.value("single_word", false);
      added.push_back(std::move(tok));
    }
  }
  // The reference does not take the ids written in added_tokens: it adds the tokens in order,
  // giving each the model's id for its content when there is one, else the next free id
  // after the vocabulary (measured; the files in the wild agree with this anyway).
  {
    const Vocab& vocab = impl->model->vocab();
    const int32_t vocab_size = static_cast<int32_t>(vocab.size());
    std::vector<std::pair<std::string, int32_t>> assigned;
    int32_t max_added = -1;
    for (AddedToken& tok : added) {
      int32_t id = -1;
      for (const auto& [content, aid] : assigned) {
        if (content == tok.content) id = aid;
      }
      if (id < 0) id = vocab.find(tok.content);
      if (id < 0) id = max_added < 0 ? vocab_size : (max_added >= vocab_size ? max_added + 1 : vocab_size);
      tok.id = id;
      assigned.emplace_back(tok.content, id);
      max_added = std::max(max_added, id);
    }
  }
  finish(*impl, std::move(added));
  return impl;
}

std::unique_ptr<Tokenizer::Impl> load_vocab_dir_unchecked(const std::filesystem::path& dir) {
  auto impl = std::make_unique<Tokenizer::Impl>();
  json config = json::object();
  const auto config_path = dir / "tokenizer_config.json";
  if (std::filesystem::exists(config_path)) {
    config = parse_json(read_file(config_path), config_path.string());
    if (!config.is_object()) throw Error(config_path.string() + ": not a JSON object");
  }
  json special_map = json::object();
  const auto map_path = dir / "special_tokens_map.json";
  if (std::filesystem::exists(map_path)) {
    special_map = parse_json(read_file(map_path), map_path.string());
    if (!special_map.is_object()) throw Error(map_path.string() + ": not a JSON object");
  }
  const Reader r{config_path.string()};
  if (!r.get<bool>(config, "do_basic_tokenize", "", true)) {
    throw Error(config_path.string() +
                ": do_basic_tokenize=false is not supported (no BertPreTokenizer)");
  }
  NormalizerOptions no;
  no.clean_text = true;
  no.handle_chinese_chars = r.get<bool>(config, "tokenize_chinese_chars", "", true);
  no.lowercase = r.get<bool>(config, "do_lower_case", "", true);
  if (auto it = config.find("strip_accents"); it != config.end() && it->is_boolean()) {
    no.strip_accents = it->get<bool>();
  }
  impl->normalizer.emplace(no);
  impl->bert_pre_tokenizer = true;

  // special_tokens_map.json wins over tokenizer_config.json, as in transformers.
  auto special = [&](const char* key, const char* fallback) {
    if (auto v = token_value(special_map, key)) return *v;
    if (auto v = token_value(config, key)) return *v;
    return std::string(fallback);
  };
  const std::string unk = special("unk_token", "[UNK]");
  const std::string sep = special("sep_token", "[SEP]");
  const std::string pad = special("pad_token", "[PAD]");
  const std::string cls = special("cls_token", "[CLS]");
  const std::string mask = special("mask_token", "[MASK]");

  // vocab.txt: one token per line, id = line number; only the line break is removed.
  const auto vocab_path = dir / "vocab.txt";
  const std::string vocab_text = read_file(vocab_path);
  Vocab vocab;
  int32_t id = 0;
  size_t pos = 0;
  while (pos < vocab_text.size()) {
    size_t nl = vocab_text.find('\n', pos);
    if (nl == std::string::npos) nl = vocab_text.size();
    vocab.add(std::string_view(vocab_text).substr(pos, nl - pos), id++);
    pos = nl + 1;
  }
  WordPieceOptions wo;
  wo.unk_token = unk;
  impl->model.emplace(std::move(vocab), std::move(wo));
  const Vocab& vv = impl->model->vocab();

  std::vector<AddedToken> added;
  int32_t next_id = static_cast<int32_t>(vv.id_bound());
  auto add = [&](const std::string& content, bool is_special, bool normalized) {
    for (const AddedToken& t : added) {
      if (t.content == content) return;
    }
    AddedToken t;
    t.content = content;
    t.special = is_special;
    t.normalized = normalized;
    t.id = vv.find(content);
    if (t.id < 0) t.id = next_id++;
    added.push_back(std::move(t));
  };
  for (const std::string& s : {pad, unk, cls, sep, mask}) add(s, true, false);
  if (auto extra = special_map.find("additional_special_tokens");
      extra != special_map.end() && extra->is_array()) {
    for (const json& t : *extra) {
      if (t.is_string()) add(t.get<std::string>(), true, false);
    }
  }
  const auto added_path = dir / "added_tokens.json";
  if (std::filesystem::exists(added_path)) {
    const json extra = parse_json(read_file(added_path), added_path.string());
    if (extra.is_object()) {
      for (auto& [content, value] : extra.items()) {
        (void)value;
        add(content, false, true);
      }
    }
  }

  auto special_id = [&](const std::string& t) {
    const int32_t i = vv.find(t);
    if (i < 0) throw Error(vocab_path.string() + ": special token '" + t + "' is not in the vocabulary");
    return i;
  };
  impl->post = PostProcessor::bert(cls, special_id(cls), sep, special_id(sep));
  if (auto it = config.find("model_max_length"); it != config.end() && it->is_number_integer()) {
    const auto v = checked_int(*it, 1, 999999);
    if (v) impl->model_max_length = static_cast<size_t>(*v);
  }
  finish(*impl, std::move(added));
  impl->pad_token = pad;
  impl->pad_id = vv.find(pad) >= 0 ? vv.find(pad) : 0;
  return impl;
}

}  // namespace

// Any JSON access that slipped past the checks above (a field of the wrong type) still
// becomes a sembed::Error naming the file.
std::unique_ptr<Tokenizer::Impl> load_tokenizer_json(std::string_view text,
                                                     const std::string& origin) {
  try {
    return load_tokenizer_json_unchecked(text, origin);
  } catch (const json::exception& e) {
    throw Error(origin + ": malformed tokenizer: " + e.what());
  }
}

std::unique_ptr<Tokenizer::Impl> load_vocab_dir(const std::filesystem::path& dir) {
  try {
    return load_vocab_dir_unchecked(dir);
  } catch (const json::exception& e) {
    throw Error(dir.string() + ": malformed tokenizer configuration: " + e.what());
  }
}

}  // namespace sembed::tokenizer

namespace sembed::tokenizer {

std::optional<size_t> read_model_max_length(const std::filesystem::path& dir) {
  const auto path = dir / "tokenizer_config.json";
  if (!std::filesystem::exists(path)) return std::nullopt;
  try {
    const json config = json::parse(read_file(path));
    if (auto it = config.find("model_max_length"); it != config.end() && it->is_number_integer()) {
      const auto v = checked_int(*it, 1, 999999);
      if (v) return static_cast<size_t>(*v);
    }
  } catch (const std::exception&) {
    // A broken side file does not make a complete tokenizer.json unusable.
  }
  return std::nullopt;
}

}  // namespace sembed::tokenizer

// Builds a Tokenizer's parts from files: tokenizer.json (its normalizer / pre_tokenizer / model
// / post_processor / added_tokens / truncation / padding blocks), or the older vocab.txt +
// tokenizer_config.json + special_tokens_map.json (+ added_tokens.json) layout, assembled the
// way transformers' BertTokenizerFast assembles it. Each stage block is built by its kind's
// factory (normalizers/factory.cpp, ...), which refuses a type we do not support with an error
// naming the file, the field and the type, never silently approximating it.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sembed/error.hpp>
#include <sstream>
#include <type_traits>

#include "tokenizer/models/factory.hpp"
#include "tokenizer/models/wordpiece.hpp"
#include "tokenizer/normalizers/bert.hpp"
#include "tokenizer/normalizers/factory.hpp"
#include "tokenizer/pre_tokenizers/bert.hpp"
#include "tokenizer/pre_tokenizers/factory.hpp"
#include "tokenizer/processors/factory.hpp"
#include "tokenizer/processors/template.hpp"
#include "tokenizer/stage_json.hpp"
#include "tokenizer/tokenizer_impl.hpp"

namespace sembed::tokenizer {
namespace {

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

int32_t int_value(const json& v, int64_t lo, int64_t hi, const std::string& origin,
                  const std::string& what) {
  const auto i = checked_int(v, lo, hi);
  if (!i)
    throw Error(origin + ": " + what + " must be an integer in [" + std::to_string(lo) + ", " +
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
      return static_cast<T>(
          int_value(*it, lo, kMaxCount, origin, "field '" + where + "." + field + "'"));
    } else {
      try {
        return it->get<T>();
      } catch (const json::exception&) {
        throw Error(origin + ": field '" + where + "." + field + "' has the wrong type");
      }
    }
  }
};

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
    p.max_length = static_cast<size_t>(
        int_value((*st)["Fixed"], 0, kMaxCount, r.origin, "padding.strategy.Fixed"));
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
  impl.added = AddedVocabulary(std::move(added), impl.normalizer.get());
  if (impl.padding) {
    impl.pad_id = impl.padding->pad_id;
    impl.pad_token = impl.padding->pad_token;
  } else {
    // No padding block: the vocabulary's pad token, BERT's or SentencePiece's spelling.
    for (const char* name : {"[PAD]", "<pad>"}) {
      if (const AddedToken* t = impl.added.find_content(name)) {
        impl.pad_id = t->id;
        impl.pad_token = name;
        break;
      }
    }
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

  // The stages, each built by its kind's factory.
  if (auto n = root.find("normalizer"); n != root.end() && !n->is_null()) {
    impl->normalizer = build_normalizer(*n, StageContext{origin, "normalizer"});
  }
  if (auto p = root.find("pre_tokenizer"); p != root.end() && !p->is_null()) {
    impl->pre_tokenizer = build_pre_tokenizer(*p, StageContext{origin, "pre_tokenizer"});
  }
  auto m = root.find("model");
  if (m == root.end() || !m->is_object()) throw Error(origin + ": no 'model' block");
  impl->model = build_model(*m, StageContext{origin, "model"});
  if (auto p = root.find("post_processor"); p != root.end() && !p->is_null()) {
    impl->post = build_post_processor(*p, StageContext{origin, "post_processor"});
  }
  if (auto d = root.find("decoder"); d != root.end() && !d->is_null()) {
    impl->decoder = build_decoder(*d, StageContext{origin, "decoder"});
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
    const Model& vocab = *impl->model;
    const int32_t vocab_size = static_cast<int32_t>(vocab.vocab_size());
    std::vector<std::pair<std::string, int32_t>> assigned;
    int32_t max_added = -1;
    for (AddedToken& tok : added) {
      int32_t id = -1;
      for (const auto& [content, aid] : assigned) {
        if (content == tok.content) id = aid;
      }
      if (id < 0) id = vocab.token_to_id(tok.content);
      if (id < 0)
        id = max_added < 0 ? vocab_size : (max_added >= vocab_size ? max_added + 1 : vocab_size);
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
  impl->normalizer = std::make_unique<BertNormalizer>(no);
  impl->pre_tokenizer = std::make_unique<BertPreTokenizer>();
  // BertTokenizerFast's decoder.
  impl->decoder = build_decoder(json{{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}},
                                StageContext{config_path.string(), "decoder"});

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
  auto wordpiece = std::make_unique<WordPiece>(std::move(vocab), std::move(wo));
  const Vocab& vv = wordpiece->vocab();
  impl->model = std::move(wordpiece);

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
    if (i < 0)
      throw Error(vocab_path.string() + ": special token '" + t + "' is not in the vocabulary");
    return i;
  };
  impl->post = bert_template(cls, special_id(cls), sep, special_id(sep));
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

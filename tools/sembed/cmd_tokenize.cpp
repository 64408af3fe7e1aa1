// sembed tokenize: prints the tokenizer's output as JSON Lines, one object per input text (or
// pair) with input_ids, token_type_ids, attention_mask, tokens and offsets (code points).
// Texts come from the command line or, when none are given, one per line from standard input
// (split on '\n' only; with --pair a line holds "A<TAB>B", split at the first tab).
// Invalid UTF-8 is refused with the line (or argument) and byte offset; nothing is replaced.
// --decode turns JSON arrays of token ids back into text (Tokenizer::decode).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sembed/error.hpp>
#include <sembed/sembed.hpp>
#include <string>
#include <vector>

#include "core/utf8.hpp"
#include "sembed/cli_common.hpp"
#include "sembed/commands.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sembed::cli {
namespace {

namespace tk = sembed::tokenizer;

struct TokenizeArgs {
  std::string model;
  std::optional<size_t> max_length;
  std::string padding = "none";
  bool pair = false;
  bool no_special_tokens = false;
  bool decode = false;
  bool keep_special_tokens = false;
  std::vector<std::string> texts;
};

// max_seq_length from sentence_bert_config.json, else tokenizer.json's truncation, else the
// tokenizer config's model_max_length, else 512.
size_t default_max_length(const std::filesystem::path& dir, const tk::Tokenizer& tokenizer) {
  const auto sbert = dir / "sentence_bert_config.json";
  if (std::filesystem::exists(sbert)) {
    std::ifstream in(sbert);
    try {
      const auto j = nlohmann::json::parse(in);
      if (auto it = j.find("max_seq_length"); it != j.end() && !it->is_null()) {
        if (!it->is_number_unsigned() || it->get<uint64_t>() > (1u << 30)) {
          throw Error(sbert.string() + ": max_seq_length must be a non-negative integer");
        }
        return static_cast<size_t>(it->get<uint64_t>());
      }
    } catch (const nlohmann::json::exception& e) {
      throw Error(sbert.string() + ": invalid JSON: " + e.what());
    }
  }
  if (tokenizer.file_truncation()) return tokenizer.file_truncation()->max_length;
  if (tokenizer.model_max_length()) return *tokenizer.model_max_length();
  return 512;
}


template <typename T>
void append_ints(std::string& out, const char* key, const std::vector<T>& v) {
  out.push_back('"');
  out += key;
  out += "\":[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out.push_back(',');
    out += std::to_string(v[i]);
  }
  out.push_back(']');
}

void append_encoding(std::string& out, const tk::Encoding& e) {
  out.push_back('{');
  append_ints(out, "input_ids", e.ids);
  out.push_back(',');
  append_ints(out, "token_type_ids", e.type_ids);
  out.push_back(',');
  append_ints(out, "attention_mask", e.attention_mask);
  out += ",\"tokens\":[";
  for (size_t i = 0; i < e.tokens.size(); ++i) {
    if (i) out.push_back(',');
    append_json_string(out, e.tokens[i]);
  }
  out += "],\"offsets\":[";
  for (size_t i = 0; i < e.offsets.size(); ++i) {
    if (i) out.push_back(',');
    out.push_back('[');
    out += std::to_string(e.offsets[i].first);
    out.push_back(',');
    out += std::to_string(e.offsets[i].second);
    out.push_back(']');
  }
  out += "]}\n";
}

void check_utf8(const std::string& text, const std::string& where) {
  if (auto bad = utf8::find_invalid(text)) {
    throw Error(where + ": invalid UTF-8 at byte offset " + std::to_string(*bad));
  }
}

// --decode: each input is a JSON array of token ids; prints {"text": ...} per input.
void run_decode(const TokenizeArgs& args, const tk::Tokenizer& tokenizer) {
  std::vector<std::pair<std::string, std::string>> inputs;  // (JSON, where)
  if (!args.texts.empty()) {
    for (size_t i = 0; i < args.texts.size(); ++i) {
      inputs.emplace_back(args.texts[i], "argument " + std::to_string(i + 1));
    }
  } else {
    std::string line;
    for (size_t n = 1; std::getline(std::cin, line); ++n) {
      inputs.emplace_back(line, "standard input line " + std::to_string(n));
    }
  }
  std::string out;
  for (const auto& [text, where] : inputs) {
    std::vector<int32_t> ids;
    try {
      const auto j = nlohmann::json::parse(text);
      if (!j.is_array()) throw Error(where + ": expected a JSON array of token ids");
      for (const auto& v : j) {
        if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX) {
          throw Error(where + ": token id " + v.dump() + " is not an integer in [0, 2^31)");
        }
        ids.push_back(static_cast<int32_t>(v.get<int64_t>()));
      }
    } catch (const nlohmann::json::exception& e) {
      throw Error(where + ": expected a JSON array of token ids: " + e.what());
    }
    out += "{\"text\":";
    append_json_string(out, tokenizer.decode(ids, !args.keep_special_tokens));
    out += "}\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

void run_tokenize(const TokenizeArgs& args) {
  std::optional<std::filesystem::path> explicit_dir;
  if (!args.model.empty()) explicit_dir = args.model;
  const std::string model = resolve_model_dir(explicit_dir).string();
  const tk::Tokenizer tokenizer = tk::Tokenizer::from_model_dir(model);
  if (args.decode) {
    run_decode(args, tokenizer);
    return;
  }
  const size_t max_length =
      args.max_length ? *args.max_length : default_max_length(model, tokenizer);

  tk::PaddingStrategy strategy = tk::PaddingStrategy::None;
  if (args.padding == "longest") strategy = tk::PaddingStrategy::Longest;
  if (args.padding == "max_length") strategy = tk::PaddingStrategy::MaxLength;

  tk::EncodeOptions options;
  options.add_special_tokens = !args.no_special_tokens;
  // 0: no truncation (not "truncate to nothing", which is what the reference does with 0).
  if (max_length > 0) options.max_length = max_length;

  // Inputs: (text, optional second text, where) triples.
  struct Input {
    std::string a, b;
    std::string where;
  };
  std::vector<Input> inputs;
  if (!args.texts.empty()) {
    if (args.pair && args.texts.size() % 2 != 0) {
      throw Error("tokenize --pair: give texts two at a time (A B A B ...)");
    }
    const size_t step = args.pair ? 2 : 1;
    for (size_t i = 0; i < args.texts.size(); i += step) {
      Input in{args.texts[i], args.pair ? args.texts[i + 1] : std::string(),
               "argument " + std::to_string(i + 1)};
      check_utf8(in.a, in.where);
      if (args.pair) check_utf8(in.b, "argument " + std::to_string(i + 2));
      inputs.push_back(std::move(in));
    }
  } else {
    std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    size_t pos = 0, line = 0;
    while (pos < all.size()) {
      size_t nl = all.find('\n', pos);
      if (nl == std::string::npos) nl = all.size();
      ++line;
      std::string text = all.substr(pos, nl - pos);
      const std::string where = "standard input line " + std::to_string(line);
      if (auto bad = utf8::find_invalid(text)) {
        throw Error(where + ": invalid UTF-8 at byte offset " + std::to_string(*bad) +
                    " of the line (" + std::to_string(pos + *bad) + " of the input)");
      }
      Input in;
      in.where = where;
      if (args.pair) {
        const size_t tab = text.find('\t');
        if (tab == std::string::npos) throw Error(where + ": --pair needs 'A<TAB>B'");
        in.a = text.substr(0, tab);
        in.b = text.substr(tab + 1);
      } else {
        in.a = std::move(text);
      }
      inputs.push_back(std::move(in));
      pos = nl + 1;
    }
  }

  std::string out;
  out.reserve(1 << 20);
  auto flush = [&](bool force) {
    if (force || out.size() > (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  };
  auto encode = [&](const Input& in) {
    try {
      return args.pair ? tokenizer.encode_pair(in.a, in.b, options)
                       : tokenizer.encode(in.a, options);
    } catch (const Error& e) {
      throw Error(in.where + ": " + e.what());
    }
  };
  if (strategy == tk::PaddingStrategy::None) {
    for (const Input& in : inputs) {
      append_encoding(out, encode(in));
      flush(false);
    }
  } else {
    std::vector<tk::Encoding> batch;
    batch.reserve(inputs.size());
    for (const Input& in : inputs) batch.push_back(encode(in));
    tk::PaddingParams p;
    if (tokenizer.file_padding()) p = *tokenizer.file_padding();
    p.strategy = strategy;
    p.max_length = max_length;
    p.pad_id = tokenizer.pad_id();
    p.pad_token = tokenizer.pad_token();
    tk::pad(batch, p);
    for (const tk::Encoding& e : batch) {
      append_encoding(out, e);
      flush(false);
    }
  }
  flush(true);
  std::fflush(stdout);
}

}  // namespace

void register_tokenize(CLI::App& app) {
  auto args = std::make_shared<TokenizeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "tokenize",
      "Tokenize texts like Hugging Face tokenizers; prints JSON Lines (input_ids, "
      "token_type_ids, attention_mask, tokens, offsets in code points). Without TEXT, reads one "
      "text per line from standard input (with --pair: 'A<TAB>B').");
  cmd->add_option("--model", args->model,
                  "Model directory (default: $SEMBED_MODEL, then the default all-MiniLM-L6-v2)");
  cmd->add_option("--max-length", args->max_length,
                  "Truncate to N tokens including special tokens (default: the model's "
                  "max_seq_length; 0: no truncation)");
  cmd->add_option("--padding", args->padding, "none | longest | max_length (default: none)")
      ->check(CLI::IsMember({"none", "longest", "max_length"}));
  cmd->add_flag("--pair", args->pair,
                "Encode pairs: TEXT arguments two at a time, or 'A<TAB>B' lines on stdin");
  cmd->add_flag("--no-special-tokens", args->no_special_tokens,
                "Do not add [CLS]/[SEP] (add_special_tokens=False)");
  cmd->add_flag("--decode", args->decode,
                "Decode instead: each TEXT (or stdin line) is a JSON array of token ids; prints "
                "{\"text\": ...} per line, as Hugging Face tokenizers' decode");
  cmd->add_flag("--keep-special-tokens", args->keep_special_tokens,
                "With --decode: keep special tokens (skip_special_tokens=False)");
  cmd->add_option("TEXT", args->texts, "Texts to tokenize (default: lines of standard input)");
  cmd->callback([args] { run_tokenize(*args); });
}

}  // namespace sembed::cli

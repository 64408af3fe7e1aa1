// The decoders that rewrite token strings by simple rules, each as tokenizers 0.23.3 does:
//   WordPiece(prefix, cleanup)   tokens after the first lose the prefix or get a ' ' before
//                                them; cleanup joins " ." " ?" " !" " ," " ' " " n't" " 'm"
//                                " do not" " 's" " 've" " 're" as BERT's decoder does
//   Metaspace(replacement, prepend_scheme)  the replacement becomes ' ', except as the very
//                                first character of the first token unless prepend_scheme is
//                                "never"
//   BPEDecoder(suffix)           the suffix becomes ' ' (nothing in the last token)
//   ByteFallback                 runs of <0xXX> tokens become their bytes as UTF-8, or one
//                                U+FFFD per token when those bytes are not valid UTF-8
//   Fuse                         all tokens joined into one
//   Strip(content, start, stop)  up to start leading and stop trailing `content` characters
//                                removed from each token
//   Replace(pattern, content)    every match of a string or regex pattern replaced
#include <algorithm>
#include <sembed/error.hpp>

#include "core/utf8.hpp"
#include "tokenizer/decoders/decoder.hpp"
#include "tokenizer/pre_tokenizers/split_pre_tokenizer.hpp"
#include "tokenizer/regex.hpp"

namespace sembed::tokenizer {
namespace {

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  std::string out;
  size_t pos = 0;
  for (size_t hit; (hit = s.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
    out.append(s, pos, hit - pos);
    out += to;
  }
  out.append(s, pos, std::string::npos);
  s = std::move(out);
}

class WordPieceDecoder final : public Decoder {
 public:
  WordPieceDecoder(std::string prefix, bool cleanup)
      : prefix_(std::move(prefix)), cleanup_(cleanup) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string& t = tokens[i];
      if (i != 0) {
        // Rust's starts_with("") is true and replacen("", "", 1) changes nothing.
        if (t.compare(0, prefix_.size(), prefix_) == 0) {
          t.erase(0, prefix_.size());
        } else {
          t = " " + t;
        }
      }
      if (cleanup_) {
        static const std::pair<const char*, const char*> kRules[] = {
            {" .", "."},   {" ?", "?"},     {" !", "!"},    {" ,", ","},
            {" ' ", "'"},  {" n't", "n't"}, {" 'm", "'m"},  {" do not", " don't"},
            {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
        for (const auto& [from, to] : kRules) replace_all(t, from, to);
      }
    }
  }

 private:
  std::string prefix_;
  bool cleanup_;
};

class MetaspaceDecoder final : public Decoder {
 public:
  MetaspaceDecoder(char32_t replacement, bool strip_first)
      : replacement_(replacement), strip_first_(strip_first) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<char32_t> chars;
    for (size_t i = 0; i < tokens.size(); ++i) {
      chars.clear();
      utf8::decode(tokens[i], chars);
      std::string out;
      for (size_t j = 0; j < chars.size(); ++j) {
        if (chars[j] == replacement_) {
          if (i == 0 && j == 0 && strip_first_) continue;
          out.push_back(' ');
        } else {
          utf8::append(out, chars[j]);
        }
      }
      tokens[i] = std::move(out);
    }
  }

 private:
  char32_t replacement_;
  bool strip_first_;
};

class BpeSuffixDecoder final : public Decoder {
 public:
  explicit BpeSuffixDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      replace_all(tokens[i], suffix_, i + 1 == tokens.size() ? "" : " ");
    }
  }

 private:
  std::string suffix_;
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The byte of a "<0xXX>" token (u8::from_str_radix semantics: "+X" is accepted), else -1.
int byte_of(const std::string& t) {
  if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return -1;
  const int hi = hex_value(t[3]), lo = hex_value(t[4]);
  if (t[3] == '+' && lo >= 0) return lo;
  if (hi < 0 || lo < 0) return -1;
  return hi * 16 + lo;
}

class ByteFallbackDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string pending;
    auto flush = [&] {
      if (pending.empty()) return;
      if (!utf8::find_invalid(pending)) {
        out.push_back(pending);
      } else {
        for (size_t k = 0; k < pending.size(); ++k) out.emplace_back("\xEF\xBF\xBD");
      }
      pending.clear();
    };
    for (std::string& t : tokens) {
      const int b = byte_of(t);
      if (b >= 0) {
        pending.push_back(static_cast<char>(b));
        continue;
      }
      flush();
      out.push_back(std::move(t));
    }
    flush();
    tokens = std::move(out);
  }
};

class FuseDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const std::string& t : tokens) all += t;
    tokens.assign(1, std::move(all));
  }
};

class StripDecoder final : public Decoder {
 public:
  StripDecoder(char32_t content, size_t start, size_t stop)
      : content_(content), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<char32_t> chars;
    for (std::string& t : tokens) {
      chars.clear();
      utf8::decode(t, chars);
      size_t begin = 0, end = chars.size();
      while (begin < std::min(start_, chars.size()) && chars[begin] == content_) ++begin;
      for (size_t k = 0; k < stop_ && end > 0 && chars[end - 1] == content_; ++k) --end;
      std::string out;
      for (size_t k = begin; k < end; ++k) utf8::append(out, chars[k]);
      t = std::move(out);
    }
  }

 private:
  char32_t content_;
  size_t start_, stop_;
};

class ReplaceDecoder final : public Decoder {
 public:
  ReplaceDecoder(Regex regex, std::string content)
      : regex_(std::move(regex)), content_(std::move(content)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::pair<size_t, size_t>> matches;
    for (std::string& t : tokens) {
      matches.clear();
      regex_.find_all(t, matches);
      if (matches.empty()) continue;
      std::string out;
      size_t last = 0;
      for (const auto& [b, e] : matches) {
        out.append(t, last, b - last);
        out += content_;
        last = e;
      }
      out.append(t, last, std::string::npos);
      t = std::move(out);
    }
  }

 private:
  Regex regex_;
  std::string content_;
};

// A one-character string field.
char32_t read_char(const json& block, const char* field, const std::string& fallback,
                   const StageContext& ctx) {
  const std::string s = ctx.get_string(block, field, fallback);
  std::vector<char32_t> chars;
  if (!utf8::find_invalid(s)) utf8::decode(s, chars);
  if (chars.size() != 1) ctx.fail(field, "must be one character, not '" + s + "'");
  return chars[0];
}

}  // namespace

std::unique_ptr<Decoder> build_wordpiece_decoder(const json& block, const StageContext& ctx) {
  return std::make_unique<WordPieceDecoder>(ctx.get_string(block, "prefix", "##"),
                                            ctx.get_bool(block, "cleanup", true));
}

std::unique_ptr<Decoder> build_metaspace_decoder(const json& block, const StageContext& ctx) {
  const std::string scheme = ctx.get_string(block, "prepend_scheme", "always");
  if (scheme != "always" && scheme != "first" && scheme != "never") {
    ctx.fail("prepend_scheme", "is '" + scheme + "' (expected always, first or never)");
  }
  return std::make_unique<MetaspaceDecoder>(read_char(block, "replacement", "\xE2\x96\x81", ctx),
                                            scheme != "never");
}

std::unique_ptr<Decoder> build_bpe_decoder(const json& block, const StageContext& ctx) {
  return std::make_unique<BpeSuffixDecoder>(ctx.get_string(block, "suffix", "</w>"));
}

std::unique_ptr<Decoder> build_byte_fallback_decoder(const json&, const StageContext&) {
  return std::make_unique<ByteFallbackDecoder>();
}

std::unique_ptr<Decoder> build_fuse_decoder(const json&, const StageContext&) {
  return std::make_unique<FuseDecoder>();
}

std::unique_ptr<Decoder> build_strip_decoder(const json& block, const StageContext& ctx) {
  return std::make_unique<StripDecoder>(
      read_char(block, "content", " ", ctx),
      static_cast<size_t>(ctx.get_int(block, "start", 0, kMaxCount, 0)),
      static_cast<size_t>(ctx.get_int(block, "stop", 0, kMaxCount, 0)));
}

std::unique_ptr<Decoder> build_replace_decoder(const json& block, const StageContext& ctx) {
  const json& pattern = ctx.require_object(block, "pattern");
  const StageContext pctx = ctx.at("pattern");
  std::string source;
  if (auto s = pattern.find("String"); s != pattern.end() && s->is_string()) {
    source = escape_regex_literal(s->get<std::string>());
  } else if (auto r = pattern.find("Regex"); r != pattern.end() && r->is_string()) {
    source = r->get<std::string>();
  } else {
    pctx.fail("must be {\"String\": ...} or {\"Regex\": ...}, not " + pattern.dump());
  }
  return std::make_unique<ReplaceDecoder>(Regex(source, ctx.origin + ": " + pctx.path),
                                          ctx.require_string(block, "content"));
}

}  // namespace sembed::tokenizer

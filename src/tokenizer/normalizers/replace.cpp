// Replace normalizer: replaces every non-overlapping occurrence (leftmost first) of a pattern
// with `content`. Each code point of the content takes the origin of the last code point of the
// occurrence it replaces (the reference's NormalizedString::replace); an empty content deletes.
// The pattern is {"String": s} (a literal) or {"Regex": r}, run by Oniguruma (Ruby syntax), the
// engine the reference uses, with its match iteration (an empty match right after the previous
// match is skipped). TODO(tok-bpe merge): use src/tokenizer/regex.* once it is on this branch.
#include <oniguruma.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <sembed/error.hpp>
#include <utility>
#include <vector>

#include "core/utf8.hpp"
#include "tokenizer/normalizers/normalizer.hpp"
#include "tokenizer/stage_json.hpp"

namespace sembed::tokenizer {
namespace {

class ReplaceString final : public Normalizer {
 public:
  ReplaceString(std::vector<char32_t> pattern, std::vector<char32_t> content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}

  void normalize(const char32_t* chars, const uint32_t* origin, size_t n,
                 NormalizedText& out) const override {
    const size_t m = pattern_.size();
    size_t i = 0;
    while (i < n) {
      if (chars[i] == pattern_[0] && m <= n - i &&
          std::equal(pattern_.begin(), pattern_.end(), chars + i)) {
        const uint32_t o = origin[i + m - 1];
        for (char32_t c : content_) out.push(c, o);
        i += m;
        continue;
      }
      out.push(chars[i], origin[i]);
      ++i;
    }
  }

 private:
  std::vector<char32_t> pattern_, content_;
};

// A compiled Oniguruma pattern; search() is safe from many threads (own region per call).
class OnigPattern {
 public:
  OnigPattern(const std::string& pattern, const StageContext& ctx) {
    static std::once_flag init;
    std::call_once(init, [] {
      OnigEncoding encodings[1] = {ONIG_ENCODING_UTF8};
      onig_initialize(encodings, 1);
    });
    OnigErrorInfo info;
    const auto* p = reinterpret_cast<const OnigUChar*>(pattern.data());
    const int r = onig_new(&regex_, p, p + pattern.size(), ONIG_OPTION_NONE, ONIG_ENCODING_UTF8,
                           ONIG_SYNTAX_RUBY, &info);
    if (r != ONIG_NORMAL) {
      OnigUChar message[ONIG_MAX_ERROR_MESSAGE_LEN];
      onig_error_code_to_str(message, r, &info);
      regex_ = nullptr;
      ctx.fail("Regex",
               "'" + pattern + "' is not a valid regex: " + reinterpret_cast<const char*>(message));
    }
  }
  OnigPattern(const OnigPattern&) = delete;
  OnigPattern& operator=(const OnigPattern&) = delete;
  ~OnigPattern() {
    if (regex_ != nullptr) onig_free(regex_);
  }

  // Byte ranges of the successive matches in text, as the reference's find_iter yields them.
  void find_all(const std::string& text, std::vector<std::pair<size_t, size_t>>& out) const {
    OnigRegion* region = onig_region_new();
    const auto* begin = reinterpret_cast<const OnigUChar*>(text.data());
    const auto* end = begin + text.size();
    size_t from = 0;
    bool have_last = false;
    size_t last_end = 0;
    while (from <= text.size()) {
      onig_region_clear(region);
      const int r = onig_search(regex_, begin, end, begin + from, end, region, ONIG_OPTION_NONE);
      if (r < 0) break;  // ONIG_MISMATCH (or an error: no more matches either way)
      const size_t s = static_cast<size_t>(region->beg[0]), e = static_cast<size_t>(region->end[0]);
      if (s == e && have_last && last_end == e) {
        if (from >= text.size()) break;
        from += utf8_length(static_cast<unsigned char>(text[from]));
        continue;
      }
      out.emplace_back(s, e);
      from = e;
      have_last = true;
      last_end = e;
      if (s == e && from >= text.size()) break;
    }
    onig_region_free(region, 1);
  }

 private:
  static size_t utf8_length(unsigned char lead) {
    return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  }
  OnigRegex regex_ = nullptr;
};

class ReplaceRegex final : public Normalizer {
 public:
  ReplaceRegex(const std::string& pattern, std::vector<char32_t> content, const StageContext& ctx)
      : regex_(pattern, ctx), content_(std::move(content)) {}

  void normalize(const char32_t* chars, const uint32_t* origin, size_t n,
                 NormalizedText& out) const override {
    thread_local std::string bytes;
    thread_local std::vector<uint32_t> char_at;  // code point index at each byte position
    thread_local std::vector<std::pair<size_t, size_t>> matches;
    bytes.clear();
    char_at.clear();
    for (size_t i = 0; i < n; ++i) {
      const size_t before = bytes.size();
      utf8::append(bytes, chars[i]);
      char_at.resize(bytes.size(), static_cast<uint32_t>(i));
      (void)before;
    }
    char_at.push_back(static_cast<uint32_t>(n));
    matches.clear();
    regex_.find_all(bytes, matches);
    size_t pos = 0;  // next code point to copy
    for (const auto& [bs, be] : matches) {
      const size_t s = char_at[bs], e = char_at[be];
      for (; pos < s; ++pos) out.push(chars[pos], origin[pos]);
      // The content takes the origin of the match's last code point (before an empty match:
      // the code point before it; at the very start: the first).
      const uint32_t o = n == 0 ? 0 : origin[e >= 1 ? e - 1 : 0];
      for (char32_t c : content_) out.push(c, o);
      pos = e;
    }
    for (; pos < n; ++pos) out.push(chars[pos], origin[pos]);
  }

 private:
  OnigPattern regex_;
  std::vector<char32_t> content_;
};

}  // namespace

std::unique_ptr<Normalizer> build_replace(const json& j, const StageContext& ctx) {
  const json& pattern = ctx.require_object(j, "pattern");
  const std::string content = ctx.require_string(j, "content");
  std::vector<char32_t> content_cps;
  utf8::decode(content, content_cps);
  const StageContext pctx = ctx.at("pattern");
  if (auto s = pattern.find("String"); s != pattern.end()) {
    const std::string text = pctx.require_string(pattern, "String");
    if (text.empty()) pctx.fail("String", "is empty (an empty pattern is not supported)");
    std::vector<char32_t> cps;
    utf8::decode(text, cps);
    return std::make_unique<ReplaceString>(std::move(cps), std::move(content_cps));
  }
  if (auto r = pattern.find("Regex"); r != pattern.end()) {
    return std::make_unique<ReplaceRegex>(pctx.require_string(pattern, "Regex"),
                                          std::move(content_cps), pctx);
  }
  pctx.fail("must be {\"String\": ...} or {\"Regex\": ...}");
}

}  // namespace sembed::tokenizer

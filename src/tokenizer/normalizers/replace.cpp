// Replace normalizer: replaces every non-overlapping occurrence (leftmost first) of a pattern
// with `content`. Each code point of the content takes the origin of the last code point of the
// occurrence it replaces (the reference's NormalizedString::replace); an empty content deletes.
// The pattern is {"String": s} (a literal). {"Regex": r} is refused until the regex engine
// (src/tokenizer/regex.*) is merged in.
#include <algorithm>
#include <memory>
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
  if (pattern.contains("Regex")) {
    pctx.fail("Regex", "is not supported yet (Replace takes a String pattern in this build)");
  }
  pctx.fail("must be {\"String\": ...} or {\"Regex\": ...}");
}

}  // namespace sembed::tokenizer

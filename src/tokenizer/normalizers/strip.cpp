// Strip normalizer: removes leading (strip_left) and/or trailing (strip_right) whitespace (Rust
// char::is_whitespace). The code points kept keep their origins, as in the reference.
#include <memory>

#include "tokenizer/normalizers/normalizer.hpp"
#include "tokenizer/stage_json.hpp"
#include "tokenizer/unicode_props.hpp"

namespace sembed::tokenizer {
namespace {

bool is_space(char32_t c) { return (unicode::flags(c) & unicode::kWhitespace) != 0; }

class Strip final : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void normalize(const char32_t* chars, const uint32_t* origin, size_t n,
                 NormalizedText& out) const override {
    size_t b = 0, e = n;
    if (left_)
      while (b < e && is_space(chars[b])) ++b;
    if (right_)
      while (e > b && is_space(chars[e - 1])) --e;
    out.chars.insert(out.chars.end(), chars + b, chars + e);
    out.origin.insert(out.origin.end(), origin + b, origin + e);
  }

 private:
  bool left_, right_;
};

}  // namespace

std::unique_ptr<Normalizer> build_strip(const json& j, const StageContext& ctx) {
  return std::make_unique<Strip>(ctx.get_bool(j, "strip_left", false),
                                 ctx.get_bool(j, "strip_right", false));
}

}  // namespace sembed::tokenizer

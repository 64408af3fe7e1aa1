// Lowercase normalizer: Rust char::to_lowercase per code point (full mappings, no context:
// final sigma is not special). Every code point of a mapping takes the origin of the code point
// it came from.
#include <memory>
#include <vector>

#include "tokenizer/normalizers/normalizer.hpp"
#include "tokenizer/stage_json.hpp"
#include "tokenizer/unicode_props.hpp"

namespace sembed::tokenizer {
namespace {

class Lowercase final : public Normalizer {
 public:
  void normalize(const char32_t* chars, const uint32_t* origin, size_t n,
                 NormalizedText& out) const override {
    for (size_t i = 0; i < n; ++i) {
      const char32_t c = chars[i];
      if (c < 0x80) {
        out.push(c >= 'A' && c <= 'Z' ? c + 32 : c, origin[i]);
      } else if (unicode::flags(c) & unicode::kLowerChanges) {
        unicode::append_lowercase(c, out.chars);
        out.origin.resize(out.chars.size(), origin[i]);
      } else {
        out.push(c, origin[i]);
      }
    }
  }
};

}  // namespace

std::unique_ptr<Normalizer> build_lowercase(const json&, const StageContext&) {
  return std::make_unique<Lowercase>();
}

}  // namespace sembed::tokenizer

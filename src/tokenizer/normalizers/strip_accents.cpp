// StripAccents normalizer: removes every combining mark (general category M: Mn, Mc, Me), the
// reference's unicode_normalization is_combining_mark; the code points kept keep their origins.
// Categories come from utf8proc (see docs/tokenizer.md on Unicode versions).
#include <utf8proc.h>

#include <memory>

#include "tokenizer/normalizers/normalizer.hpp"
#include "tokenizer/stage_json.hpp"

namespace sembed::tokenizer {
namespace {

bool is_combining_mark(char32_t c) {
  if (c < 0x300) return false;
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC || cat == UTF8PROC_CATEGORY_ME;
}

class StripAccents final : public Normalizer {
 public:
  void normalize(const char32_t* chars, const uint32_t* origin, size_t n,
                 NormalizedText& out) const override {
    for (size_t i = 0; i < n; ++i) {
      if (!is_combining_mark(chars[i])) out.push(chars[i], origin[i]);
    }
  }
};

}  // namespace

std::unique_ptr<Normalizer> build_strip_accents(const json&, const StageContext&) {
  return std::make_unique<StripAccents>();
}

}  // namespace sembed::tokenizer

// Prepend normalizer: puts a string in front of a non-empty text. The prepended code points
// take the origin of the text's first code point (the reference's NormalizedString::prepend).
#include <memory>
#include <vector>

#include "core/utf8.hpp"
#include "tokenizer/normalizers/normalizer.hpp"
#include "tokenizer/stage_json.hpp"

namespace sembed::tokenizer {
namespace {

class Prepend final : public Normalizer {
 public:
  explicit Prepend(std::vector<char32_t> prefix) : prefix_(std::move(prefix)) {}
  void normalize(const char32_t* chars, const uint32_t* origin, size_t n,
                 NormalizedText& out) const override {
    if (n > 0) {
      for (char32_t c : prefix_) out.push(c, origin[0]);
    }
    out.chars.insert(out.chars.end(), chars, chars + n);
    out.origin.insert(out.origin.end(), origin, origin + n);
  }

 private:
  std::vector<char32_t> prefix_;
};

}  // namespace

std::unique_ptr<Normalizer> build_prepend(const json& j, const StageContext& ctx) {
  const std::string s = ctx.require_string(j, "prepend");
  std::vector<char32_t> cps;
  utf8::decode(s, cps);  // nlohmann has validated the string as UTF-8
  return std::make_unique<Prepend>(std::move(cps));
}

}  // namespace sembed::tokenizer

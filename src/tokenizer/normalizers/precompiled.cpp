// Precompiled normalizer: SentencePiece's precompiled_charsmap (precompiled_charsmap.hpp) applied
// as Hugging Face tokenizers applies it: the text is cut into extended grapheme clusters; a
// cluster shorter than 6 UTF-8 bytes is first looked up whole — and when the SHORTEST map key
// that prefixes it matches, the whole cluster becomes that key's replacement (combining marks
// after a mapped base character are dropped, exactly as in the reference); otherwise each code
// point is looked up alone. Origins follow the reference's transform (transform.hpp): a
// replacement's code points take the origin of the code points they replace, a longer one's
// extra code points are insertions, a shorter one drops code points after its last one.
// Grapheme clusters come from utf8proc's rules, with the code points that the reference's newer
// Unicode tables make Extend (grapheme_overrides.inc, measured) treated as Extend.
#include <utf8proc.h>

#include <memory>
#include <sembed/error.hpp>
#include <vector>

#include "core/utf8.hpp"
#include "tokenizer/normalizers/normalizer.hpp"
#include "tokenizer/normalizers/precompiled_charsmap.hpp"
#include "tokenizer/normalizers/transform.hpp"
#include "tokenizer/stage_json.hpp"

namespace sembed::tokenizer {
namespace {

#include "tokenizer/normalizers/grapheme_overrides.inc"

// The code point utf8proc's cluster rules see: an Extend stand-in for the measured overrides.
utf8proc_int32_t grapheme_class_of(char32_t c) {
  if (c >= 0x800) {
    for (const auto& r : kExtendOverrides) {
      if (c >= r[0] && c <= r[1]) return 0x300;  // COMBINING GRAVE ACCENT: Extend
    }
  }
  return static_cast<utf8proc_int32_t>(c);
}

class Precompiled final : public Normalizer {
 public:
  explicit Precompiled(PrecompiledCharsmap map) : map_(std::move(map)) {}

  void normalize(const char32_t* chars, const uint32_t* origin, size_t n,
                 NormalizedText& out) const override {
    thread_local std::vector<std::pair<char32_t, long>> changes;
    thread_local std::string chunk;
    thread_local std::vector<char32_t> decoded;
    changes.clear();
    bool modified = false;
    // The reference's replace(): the new code points replace the old ones one for one; extra
    // ones are insertions; fewer ones fold the difference into the last change written.
    auto replace = [&](size_t old_count, std::string_view replacement) {
      modified = true;
      decoded.clear();
      utf8::decode(replacement, decoded);
      for (char32_t c : decoded) changes.emplace_back(c, 0);
      const long diff = static_cast<long>(decoded.size()) - static_cast<long>(old_count);
      if (diff > 0) {
        for (long k = 0; k < diff; ++k) changes[changes.size() - 1 - k].second = 1;
      } else if (diff < 0 && !changes.empty()) {
        changes.back().second += diff;
      }
    };
    size_t i = 0;
    while (i < n) {
      // ASCII fast path: an ASCII code point followed by ASCII (other than "\r\n") is a cluster.
      const char32_t c = chars[i];
      if (c < 0x80 &&
          (i + 1 == n || (chars[i + 1] < 0x80 && !(c == '\r' && chars[i + 1] == '\n')))) {
        if (const auto& r = map_.ascii(static_cast<unsigned char>(c))) {
          replace(1, *r);
        } else {
          changes.emplace_back(c, 0);
        }
        ++i;
        continue;
      }
      // One extended grapheme cluster [i, j).
      size_t j = i + 1;
      utf8proc_int32_t state = 0;
      while (j < n && !utf8proc_grapheme_break_stateful(grapheme_class_of(chars[j - 1]),
                                                        grapheme_class_of(chars[j]), &state)) {
        ++j;
      }
      chunk.clear();
      for (size_t k = i; k < j; ++k) utf8::append(chunk, chars[k]);
      if (chunk.size() < 6) {
        if (const auto r = map_.transform(chunk)) {
          replace(j - i, *r);
          i = j;
          continue;
        }
      }
      for (size_t k = i; k < j; ++k) {
        chunk.clear();
        utf8::append(chunk, chars[k]);
        if (const auto r = map_.transform(chunk)) {
          replace(1, *r);
        } else {
          changes.emplace_back(chars[k], 0);
        }
      }
      i = j;
    }
    if (!modified) {
      out.chars.insert(out.chars.end(), chars, chars + n);
      out.origin.insert(out.origin.end(), origin, origin + n);
      return;
    }
    TransformWriter w(origin, n, 0, out);
    for (const auto& [ch, change] : changes) w.emit(ch, change);
  }

 private:
  PrecompiledCharsmap map_;
};

}  // namespace

std::unique_ptr<Normalizer> build_precompiled(const json& j, const StageContext& ctx) {
  const std::string text = ctx.require_string(j, "precompiled_charsmap");
  const auto bytes = decode_base64(text);
  if (!bytes) ctx.fail("precompiled_charsmap", "is not valid base64");
  try {
    return std::make_unique<Precompiled>(PrecompiledCharsmap(*bytes));
  } catch (const Error& e) {
    ctx.fail("precompiled_charsmap", std::string("is malformed: ") + e.what());
  }
}

}  // namespace sembed::tokenizer

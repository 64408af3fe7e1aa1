// Metaspace pre-tokenizer (SentencePiece's whitespace handling): every ' ' becomes the
// replacement character (default '▁', origin of the space); prepend_scheme "always" puts a
// replacement in front of each split that does not start with one, "first" only in front of a
// split whose first code point is the input's first (origin 0), "never" never (the prepended
// character takes the origin of the split's first code point); with split=true each split is
// then cut before every replacement character (the reference's MergedWithNext).
// The legacy add_prefix_space=false means prepend_scheme never.
#include <memory>
#include <vector>

#include "core/utf8.hpp"
#include "tokenizer/pre_tokenizers/pre_tokenizer.hpp"
#include "tokenizer/stage_json.hpp"

namespace sembed::tokenizer {
namespace {

enum class PrependScheme { Always, First, Never };

class Metaspace final : public PreTokenizer {
 public:
  Metaspace(char32_t replacement, PrependScheme scheme, bool split)
      : replacement_(replacement), scheme_(scheme), split_(split) {}

  void pre_tokenize(PreTokenized& pt) const override {
    NormalizedText& out = pt.next_text;
    out.clear();
    pt.next_splits.clear();
    const char32_t* chars = pt.text.chars.data();
    const uint32_t* origin = pt.text.origin.data();
    for (const Split& s : pt.splits) {
      const uint32_t begin = static_cast<uint32_t>(out.size());
      if (s.added_id >= 0 || s.end <= s.begin) {
        for (uint32_t i = s.begin; i < s.end; ++i) out.push(chars[i], origin[i]);
        if (s.added_id >= 0)
          pt.next_splits.push_back({begin, static_cast<uint32_t>(out.size()), s.added_id});
        continue;
      }
      const bool starts_with_replacement = chars[s.begin] == ' ' || chars[s.begin] == replacement_;
      const bool prepend =
          !starts_with_replacement && (scheme_ == PrependScheme::Always ||
                                       (scheme_ == PrependScheme::First && origin[s.begin] == 0));
      if (prepend) out.push(replacement_, origin[s.begin]);
      for (uint32_t i = s.begin; i < s.end; ++i) {
        out.push(chars[i] == ' ' ? replacement_ : chars[i], origin[i]);
      }
      const uint32_t end = static_cast<uint32_t>(out.size());
      if (!split_) {
        pt.next_splits.push_back({begin, end});
        continue;
      }
      uint32_t piece = begin;
      for (uint32_t i = begin + 1; i < end; ++i) {
        if (out.chars[i] == replacement_) {
          pt.next_splits.push_back({piece, i});
          piece = i;
        }
      }
      pt.next_splits.push_back({piece, end});
    }
    pt.text.chars.swap(out.chars);
    pt.text.origin.swap(out.origin);
    pt.splits.swap(pt.next_splits);
  }

 private:
  char32_t replacement_;
  PrependScheme scheme_;
  bool split_;
};

}  // namespace

std::unique_ptr<PreTokenizer> build_metaspace(const json& j, const StageContext& ctx) {
  const std::string rep = ctx.require_string(j, "replacement");
  std::vector<char32_t> cps;
  utf8::decode(rep, cps);
  if (cps.size() != 1) ctx.fail("replacement", "must be one character, not '" + rep + "'");
  const std::string scheme_name = ctx.get_string(j, "prepend_scheme", "always");
  PrependScheme scheme;
  if (scheme_name == "always") {
    scheme = PrependScheme::Always;
  } else if (scheme_name == "first") {
    scheme = PrependScheme::First;
  } else if (scheme_name == "never") {
    scheme = PrependScheme::Never;
  } else {
    ctx.fail("prepend_scheme", "is '" + scheme_name + "' (supported: always, first, never)");
  }
  if (auto a = j.find("add_prefix_space"); a != j.end() && !a->is_null()) {
    if (!ctx.get_bool(j, "add_prefix_space", true)) {
      if (scheme != PrependScheme::Never) {
        ctx.fail("add_prefix_space", "is false but prepend_scheme is '" + scheme_name + "'");
      }
      scheme = PrependScheme::Never;
    }
  }
  return std::make_unique<Metaspace>(cps[0], scheme, ctx.get_bool(j, "split", true));
}

}  // namespace sembed::tokenizer

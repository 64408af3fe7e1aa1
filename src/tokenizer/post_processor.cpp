// PostProcessor (see post_processor.hpp).
#include "tokenizer/post_processor.hpp"

#include "tokenizer/processors/byte_level_offsets.hpp"

namespace sembed::tokenizer {
namespace {

size_t count_added(const std::vector<TemplatePiece>& t) {
  size_t n = 0;
  for (const TemplatePiece& p : t) n += p.is_sequence ? 0 : p.ids.size();
  return n;
}

void append_sequence(const Encoding& s, int32_t type_id, Encoding& out) {
  out.ids.insert(out.ids.end(), s.ids.begin(), s.ids.end());
  out.tokens.insert(out.tokens.end(), s.tokens.begin(), s.tokens.end());
  out.offsets.insert(out.offsets.end(), s.offsets.begin(), s.offsets.end());
  out.type_ids.insert(out.type_ids.end(), s.ids.size(), type_id);
}

}  // namespace

PostProcessor::PostProcessor(std::vector<TemplatePiece> single, std::vector<TemplatePiece> pair)
    : has_template_(true), single_(std::move(single)), pair_(std::move(pair)) {
  single_added_ = count_added(single_);
  pair_added_ = count_added(pair_);
}

void PostProcessor::process(const Encoding& a, const Encoding* b, bool add_special_tokens,
                            Encoding& out) const {
  if (trim_offsets_) {
    Encoding ta = a, tb = b != nullptr ? *b : Encoding{};
    trim_byte_level_offsets(ta, trim_add_prefix_space_);
    if (b != nullptr) trim_byte_level_offsets(tb, trim_add_prefix_space_);
    combine(ta, b != nullptr ? &tb : nullptr, add_special_tokens, out);
  } else {
    combine(a, b, add_special_tokens, out);
  }
}

void PostProcessor::combine(const Encoding& a, const Encoding* b, bool add_special_tokens,
                            Encoding& out) const {
  out.ids.clear();
  out.type_ids.clear();
  out.tokens.clear();
  out.offsets.clear();
  if (!has_template_ || !add_special_tokens) {
    append_sequence(a, 0, out);
    if (b != nullptr) append_sequence(*b, plain_pair_type_id_, out);
  } else {
    for (const TemplatePiece& p : b != nullptr ? pair_ : single_) {
      if (p.is_sequence) {
        const Encoding* s = p.sequence == 0 ? &a : b;
        if (s != nullptr) append_sequence(*s, p.type_id, out);
        continue;
      }
      out.ids.insert(out.ids.end(), p.ids.begin(), p.ids.end());
      out.tokens.insert(out.tokens.end(), p.tokens.begin(), p.tokens.end());
      out.offsets.insert(out.offsets.end(), p.ids.size(), {0, 0});
      out.type_ids.insert(out.type_ids.end(), p.ids.size(), p.type_id);
    }
  }
  out.attention_mask.assign(out.ids.size(), 1);
}

PostProcessor PostProcessor::bert(const std::string& cls_token, int32_t cls_id,
                                  const std::string& sep_token, int32_t sep_id) {
  auto special = [](const std::string& token, int32_t id, int32_t type_id) {
    TemplatePiece p;
    p.tokens = {token};
    p.ids = {id};
    p.type_id = type_id;
    return p;
  };
  TemplatePiece a, b;
  a.is_sequence = true;
  b.is_sequence = true;
  b.sequence = 1;
  b.type_id = 1;
  const TemplatePiece cls = special(cls_token, cls_id, 0), sep = special(sep_token, sep_id, 0);
  return PostProcessor({cls, a, sep}, {cls, a, sep, b, special(sep_token, sep_id, 1)});
}

PostProcessor PostProcessor::roberta(const std::string& cls_token, int32_t cls_id,
                                     const std::string& sep_token, int32_t sep_id,
                                     bool trim_offsets, bool add_prefix_space) {
  TemplatePiece cls, sep, a, b;
  cls.tokens = {cls_token};
  cls.ids = {cls_id};
  sep.tokens = {sep_token};
  sep.ids = {sep_id};
  a.is_sequence = true;
  b.is_sequence = true;
  b.sequence = 1;
  PostProcessor p({cls, a, sep}, {cls, a, sep, sep, b, sep});
  p.trim_offsets_ = trim_offsets;
  p.trim_add_prefix_space_ = add_prefix_space;
  p.plain_pair_type_id_ = 0;
  return p;
}

PostProcessor PostProcessor::byte_level(bool trim_offsets, bool add_prefix_space) {
  PostProcessor p;
  p.trim_offsets_ = trim_offsets;
  p.trim_add_prefix_space_ = add_prefix_space;
  return p;
}

}  // namespace sembed::tokenizer

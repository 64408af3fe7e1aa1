// RobertaProcessing and the ByteLevel post-processor.
//   RobertaProcessing {"sep": ["</s>", 2], "cls": ["<s>", 0], "trim_offsets": true,
//                      "add_prefix_space": true}: <s> A </s> for one text,
//                      <s> A </s> </s> B </s> for a pair; every type id is 0, also without
//                      special tokens (measured against tokenizers 0.23.3).
//   ByteLevel          {"trim_offsets": true, "add_prefix_space": true}: adds nothing;
//                      sequences concatenated with type ids 0 and 1.
// Both first trim the offsets of byte-level spaces when trim_offsets is set
// (byte_level_offsets.hpp), before special tokens are added, as the reference does.
#include <memory>

#include "tokenizer/processors/byte_level_offsets.hpp"
#include "tokenizer/processors/post_processor.hpp"
#include "tokenizer/stage_json.hpp"

namespace sembed::tokenizer {
namespace {

struct SpecialToken {
  std::string token;
  int32_t id;
};

void append_special(const SpecialToken& t, Encoding& out) {
  out.ids.push_back(t.id);
  out.tokens.push_back(t.token);
  out.offsets.emplace_back(0, 0);
  out.type_ids.push_back(0);
}

class RobertaProcessing final : public PostProcessor {
 public:
  RobertaProcessing(SpecialToken cls, SpecialToken sep, bool trim_offsets, bool add_prefix_space)
      : cls_(std::move(cls)),
        sep_(std::move(sep)),
        trim_offsets_(trim_offsets),
        add_prefix_space_(add_prefix_space) {}

  size_t added_tokens(bool pair) const override { return pair ? 4 : 2; }

  void process(const Encoding& a, const Encoding* b, bool add_special_tokens,
               Encoding& out) const override {
    out = Encoding{};
    // Each sequence is trimmed where it lands in `out` (no copies of the inputs).
    auto append = [&](const Encoding& s) {
      const size_t first = out.ids.size();
      append_encoding(s, 0, out);
      if (trim_offsets_) trim_byte_level_offsets(out, first, out.ids.size(), add_prefix_space_);
    };
    if (add_special_tokens) append_special(cls_, out);
    append(a);
    if (add_special_tokens) append_special(sep_, out);
    if (b != nullptr) {
      if (add_special_tokens) append_special(sep_, out);
      append(*b);
      if (add_special_tokens) append_special(sep_, out);
    }
    out.attention_mask.assign(out.ids.size(), 1);
  }

 private:
  SpecialToken cls_, sep_;
  bool trim_offsets_, add_prefix_space_;
};

class ByteLevelProcessing final : public PostProcessor {
 public:
  ByteLevelProcessing(bool trim_offsets, bool add_prefix_space)
      : trim_offsets_(trim_offsets), add_prefix_space_(add_prefix_space) {}
  size_t added_tokens(bool) const override { return 0; }
  void process(const Encoding& a, const Encoding* b, bool, Encoding& out) const override {
    concatenate_encodings(a, b, out);
    if (trim_offsets_) {
      trim_byte_level_offsets(out, 0, a.size(), add_prefix_space_);
      trim_byte_level_offsets(out, a.size(), out.size(), add_prefix_space_);
    }
  }
  bool edits_each_sequence() const override { return true; }
  void edit_sequence(Encoding& sequence) const override {
    if (trim_offsets_) trim_byte_level_offsets(sequence, 0, sequence.size(), add_prefix_space_);
  }

 private:
  bool trim_offsets_, add_prefix_space_;
};

SpecialToken read_token(const json& j, const char* field, const StageContext& ctx) {
  const json& t = ctx.require_array(j, field);
  if (t.size() != 2 || !t[0].is_string()) ctx.fail(field, "must be [token, id]");
  return {t[0].get<std::string>(),
          static_cast<int32_t>(ctx.int_value(t[1], 0, kMaxCount, ctx.path + "." + field + "[1]"))};
}

}  // namespace

std::unique_ptr<PostProcessor> build_roberta_processing(const json& j, const StageContext& ctx) {
  return std::make_unique<RobertaProcessing>(read_token(j, "cls", ctx), read_token(j, "sep", ctx),
                                             ctx.get_bool(j, "trim_offsets", true),
                                             ctx.get_bool(j, "add_prefix_space", true));
}

std::unique_ptr<PostProcessor> build_byte_level_processing(const json& j, const StageContext& ctx) {
  return std::make_unique<ByteLevelProcessing>(ctx.get_bool(j, "trim_offsets", true),
                                               ctx.get_bool(j, "add_prefix_space", true));
}

}  // namespace sembed::tokenizer

// The Sequence post-processor: {"type": "Sequence", "processors": [...]}, each stage in order, as
// the reference chains them (e.g. ByteLevel offset trimming, then a TemplateProcessing).
//
// The reference passes a list of encodings from stage to stage: one per input sequence until a
// stage adds special tokens and merges them into one. Here a stage that edits each sequence on
// its own (PostProcessor::edits_each_sequence: ByteLevel) is applied to every part; any other stage merges
// the parts through its own process(), and later stages see the merged encoding as a single
// sequence, as they do in the reference. Parts still apart at the end are concatenated with type
// ids 0 and 1, the reference's default merge. added_tokens is the sum over the stages.
#include <memory>
#include <vector>

#include "tokenizer/processors/factory.hpp"
#include "tokenizer/processors/post_processor.hpp"

namespace sembed::tokenizer {
namespace {

class SequenceProcessor final : public PostProcessor {
 public:
  explicit SequenceProcessor(std::vector<std::unique_ptr<PostProcessor>> stages)
      : stages_(std::move(stages)) {}

  size_t added_tokens(bool pair) const override {
    size_t n = 0;
    for (const auto& s : stages_) n += s->added_tokens(pair);
    return n;
  }

  void process(const Encoding& a, const Encoding* b, bool add_special_tokens,
               Encoding& out) const override {
    std::vector<Encoding> parts{a};
    if (b != nullptr) parts.push_back(*b);
    bool merged = false;
    for (const auto& stage : stages_) {
      if (stage->edits_each_sequence()) {
        for (auto& part : parts) stage->edit_sequence(part);
        continue;
      }
      Encoding one;
      stage->process(parts[0], parts.size() > 1 ? &parts[1] : nullptr, add_special_tokens, one);
      parts.assign(1, std::move(one));
      merged = true;
    }
    if (merged) {
      out = std::move(parts[0]);
    } else {
      concatenate_encodings(parts[0], parts.size() > 1 ? &parts[1] : nullptr, out);
    }
    out.attention_mask.assign(out.ids.size(), 1);
  }

  bool edits_each_sequence() const override {
    for (const auto& s : stages_)
      if (!s->edits_each_sequence()) return false;
    return true;
  }
  void edit_sequence(Encoding& sequence) const override {
    for (const auto& s : stages_) s->edit_sequence(sequence);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> stages_;
};

}  // namespace

std::unique_ptr<PostProcessor> build_post_processor_sequence(const json& j,
                                                             const StageContext& ctx) {
  const json& list = ctx.require_array(j, "processors");
  const StageContext items = ctx.at("processors");
  std::vector<std::unique_ptr<PostProcessor>> stages;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].is_null()) continue;
    stages.push_back(build_post_processor(list[i], items.index(i)));
  }
  return std::make_unique<SequenceProcessor>(std::move(stages));
}

}  // namespace sembed::tokenizer

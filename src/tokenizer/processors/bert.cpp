// BertProcessing: {"sep": ["[SEP]", 102], "cls": ["[CLS]", 101]} — BERT's template (see
// bert_template in template.hpp). Unlike TemplateProcessing, the reference's BertProcessing
// with add_special_tokens=false leaves the encodings as they are (type ids 0 and 1).
#include <memory>

#include "tokenizer/processors/template.hpp"

namespace sembed::tokenizer {
namespace {

class BertProcessing final : public PostProcessor {
 public:
  explicit BertProcessing(std::unique_ptr<TemplateProcessing> t) : template_(std::move(t)) {}
  size_t added_tokens(bool pair) const override { return template_->added_tokens(pair); }
  void process(const Encoding& a, const Encoding* b, bool add_special_tokens,
               Encoding& out) const override {
    if (add_special_tokens) {
      template_->process(a, b, true, out);
    } else {
      concatenate_encodings(a, b, out);
    }
  }

 private:
  std::unique_ptr<TemplateProcessing> template_;
};

// ["[SEP]", 102]
std::pair<std::string, int32_t> read_token(const json& j, const char* field,
                                           const StageContext& ctx) {
  const json& t = ctx.require_array(j, field);
  if (t.size() != 2 || !t[0].is_string()) ctx.fail(field, "must be [token, id]");
  return {t[0].get<std::string>(),
          static_cast<int32_t>(ctx.int_value(t[1], 0, kMaxCount, ctx.path + "." + field + "[1]"))};
}

}  // namespace

std::unique_ptr<PostProcessor> build_bert_processing(const json& j, const StageContext& ctx) {
  const auto [sep, sep_id] = read_token(j, "sep", ctx);
  const auto [cls, cls_id] = read_token(j, "cls", ctx);
  return std::make_unique<BertProcessing>(bert_template(cls, cls_id, sep, sep_id));
}

}  // namespace sembed::tokenizer

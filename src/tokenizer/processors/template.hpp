// TemplateProcessing: the post-processor that lays out special tokens and sequences by a
// template — any single and pair template with type ids ("[CLS]:0 $A:0 [SEP]:0" for one text,
// "... $B:1 [SEP]:1" for a pair), special tokens of one or more ids. As in the reference, with
// add_special_tokens=false the template still orders the sequences and sets their type ids; only
// the special tokens are left out.
// Does not: truncate (truncation.hpp) or pad (padding.hpp).
// Thread safety: immutable after construction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tokenizer/processors/post_processor.hpp"
#include "tokenizer/stage_json.hpp"

namespace sembed::tokenizer {

struct TemplatePiece {
  bool is_sequence = false;  // true: sequence A (seq 0) or B (seq 1); false: a special token
  int sequence = 0;
  std::vector<int32_t> ids;         // special token: its ids
  std::vector<std::string> tokens;  // special token: its token strings
  int32_t type_id = 0;
};

class TemplateProcessing final : public PostProcessor {
 public:
  TemplateProcessing(std::vector<TemplatePiece> single, std::vector<TemplatePiece> pair);

  size_t added_tokens(bool pair) const override { return pair ? pair_added_ : single_added_; }
  void process(const Encoding& a, const Encoding* b, bool add_special_tokens,
               Encoding& out) const override;

 private:
  std::vector<TemplatePiece> single_, pair_;
  size_t single_added_ = 0, pair_added_ = 0;
};

// BERT's template: [CLS] A [SEP] for one text, [CLS] A [SEP] B [SEP] for a pair, with type id 1
// for B and its [SEP] (what transformers' BertTokenizerFast builds from vocab.txt).
std::unique_ptr<TemplateProcessing> bert_template(const std::string& cls_token, int32_t cls_id,
                                                  const std::string& sep_token, int32_t sep_id);

}  // namespace sembed::tokenizer

// PostProcessor: adds the model's special tokens around the sequences and sets type ids, the
// way tokenizers' TemplateProcessing does ([CLS] A [SEP] and [CLS] A [SEP] B [SEP] for BERT;
// BertProcessing is read as that same template).
// Does not: truncate (truncation.hpp) or pad (padding.hpp).
// Thread safety: immutable after construction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/encoding.hpp"

namespace sembed::tokenizer {

struct TemplatePiece {
  bool is_sequence = false;  // true: sequence A (seq 0) or B (seq 1); false: a special token
  int sequence = 0;
  std::vector<int32_t> ids;         // special token: its ids
  std::vector<std::string> tokens;  // special token: its token strings
  int32_t type_id = 0;
};

class PostProcessor {
 public:
  PostProcessor() = default;  // no template: sequences are concatenated as they are
  PostProcessor(std::vector<TemplatePiece> single, std::vector<TemplatePiece> pair);

  // BERT's template: [CLS] A [SEP] for one text, [CLS] A [SEP] B [SEP] for a pair, with type id
  // 1 for B and its [SEP]. Both loaders (tokenizer.json's BertProcessing, vocab.txt) use it.
  static PostProcessor bert(const std::string& cls_token, int32_t cls_id,
                            const std::string& sep_token, int32_t sep_id);
  // tokenizers' RobertaProcessing: <s> A </s> and <s> A </s> </s> B </s>, every type id 0 (also
  // without special tokens); trim_offsets trims byte-level spaces off the offsets.
  static PostProcessor roberta(const std::string& cls_token, int32_t cls_id,
                               const std::string& sep_token, int32_t sep_id, bool trim_offsets,
                               bool add_prefix_space);
  // tokenizers' ByteLevel post-processor: no special tokens; trim_offsets as above.
  static PostProcessor byte_level(bool trim_offsets, bool add_prefix_space);

  // Number of special tokens added to a single text or a pair.
  size_t added_tokens(bool pair) const { return pair ? pair_added_ : single_added_; }

  // Combines a (and b when non-null) into out. Sequence tokens keep their offsets; special
  // tokens get (0, 0). Without add_special_tokens the sequences are concatenated, A with type
  // id 0 and B with type id 1 (0 for RobertaProcessing). RobertaProcessing and ByteLevel with
  // trim_offsets first trim the sequences' offsets (processors/byte_level_offsets.hpp).
  void process(const Encoding& a, const Encoding* b, bool add_special_tokens, Encoding& out) const;

 private:
  void combine(const Encoding& a, const Encoding* b, bool add_special_tokens, Encoding& out) const;
  bool has_template_ = false;
  std::vector<TemplatePiece> single_, pair_;
  size_t single_added_ = 0, pair_added_ = 0;
  bool trim_offsets_ = false, trim_add_prefix_space_ = false;
  int32_t plain_pair_type_id_ = 1;  // type id of B when no template applies
};

}  // namespace sembed::tokenizer

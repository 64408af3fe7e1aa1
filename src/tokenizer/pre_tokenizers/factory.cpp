// The pre-tokenizer table: one line per stage type; each builder lives in its stage's file.
#include "tokenizer/pre_tokenizers/factory.hpp"

namespace sembed::tokenizer {

using PreTokenizerPtr = std::unique_ptr<PreTokenizer>;
PreTokenizerPtr build_bert_pre_tokenizer(const json&, const StageContext&);
PreTokenizerPtr build_metaspace(const json&, const StageContext&);
PreTokenizerPtr build_byte_level_pre_tokenizer(const json&, const StageContext&);
PreTokenizerPtr build_whitespace_pre_tokenizer(const json&, const StageContext&);
PreTokenizerPtr build_whitespace_split_pre_tokenizer(const json&, const StageContext&);
PreTokenizerPtr build_punctuation_pre_tokenizer(const json&, const StageContext&);
PreTokenizerPtr build_digits_pre_tokenizer(const json&, const StageContext&);
PreTokenizerPtr build_split_pre_tokenizer(const json&, const StageContext&);
PreTokenizerPtr build_sequence_pre_tokenizer(const json&, const StageContext&);

namespace {

const StageBuilder<PreTokenizerPtr> kPreTokenizers[] = {
    {"BertPreTokenizer", build_bert_pre_tokenizer},
    {"Metaspace", build_metaspace},
    {"ByteLevel", build_byte_level_pre_tokenizer},
    {"Whitespace", build_whitespace_pre_tokenizer},
    {"WhitespaceSplit", build_whitespace_split_pre_tokenizer},
    {"Punctuation", build_punctuation_pre_tokenizer},
    {"Digits", build_digits_pre_tokenizer},
    {"Split", build_split_pre_tokenizer},
    {"Sequence", build_sequence_pre_tokenizer},
};

}  // namespace

PreTokenizerPtr build_pre_tokenizer(const json& block, const StageContext& ctx) {
  return build_stage(kPreTokenizers, block, ctx);
}

}  // namespace sembed::tokenizer

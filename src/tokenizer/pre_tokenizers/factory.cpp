// The pre-tokenizer table: one line per stage type; each builder lives in its stage's file.
#include "tokenizer/pre_tokenizers/factory.hpp"

namespace sembed::tokenizer {

using PreTokenizerPtr = std::unique_ptr<PreTokenizer>;
PreTokenizerPtr build_bert_pre_tokenizer(const json&, const StageContext&);
PreTokenizerPtr build_metaspace(const json&, const StageContext&);

namespace {

const StageBuilder<PreTokenizerPtr> kPreTokenizers[] = {
    {"BertPreTokenizer", build_bert_pre_tokenizer},
    {"Metaspace", build_metaspace},
};

}  // namespace

PreTokenizerPtr build_pre_tokenizer(const json& block, const StageContext& ctx) {
  return build_stage(kPreTokenizers, block, ctx);
}

}  // namespace sembed::tokenizer

// The post-processor table: one line per stage type; each builder lives in its stage's file.
#include "tokenizer/processors/factory.hpp"

namespace sembed::tokenizer {

using PostProcessorPtr = std::unique_ptr<PostProcessor>;
PostProcessorPtr build_template_processing(const json&, const StageContext&);
PostProcessorPtr build_bert_processing(const json&, const StageContext&);
PostProcessorPtr build_roberta_processing(const json&, const StageContext&);
PostProcessorPtr build_byte_level_processing(const json&, const StageContext&);
PostProcessorPtr build_post_processor_sequence(const json&, const StageContext&);

namespace {

const StageBuilder<PostProcessorPtr> kPostProcessors[] = {
    {"TemplateProcessing", build_template_processing},
    {"BertProcessing", build_bert_processing},
    {"RobertaProcessing", build_roberta_processing},
    {"ByteLevel", build_byte_level_processing},
    {"Sequence", build_post_processor_sequence},
};

}  // namespace

PostProcessorPtr build_post_processor(const json& block, const StageContext& ctx) {
  return build_stage(kPostProcessors, block, ctx);
}

}  // namespace sembed::tokenizer

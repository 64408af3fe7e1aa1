// The model table: one line per model type; each builder lives in its model's file.
#include "tokenizer/models/factory.hpp"

namespace sembed::tokenizer {

using ModelPtr = std::unique_ptr<Model>;
ModelPtr build_wordpiece(const json&, const StageContext&);
ModelPtr build_unigram(const json&, const StageContext&);
ModelPtr build_bpe(const json&, const StageContext&);

namespace {

const StageBuilder<ModelPtr> kModels[] = {
    {"WordPiece", build_wordpiece},
    {"Unigram", build_unigram},
    {"BPE", build_bpe},
};

}  // namespace

ModelPtr build_model(const json& block, const StageContext& ctx) {
  return build_stage(kModels, block, ctx);
}

}  // namespace sembed::tokenizer

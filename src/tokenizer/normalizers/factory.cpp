// The normalizer table: one line per stage type; each builder lives in its stage's file.
#include "tokenizer/normalizers/factory.hpp"

namespace sembed::tokenizer {

using NormalizerPtr = std::unique_ptr<Normalizer>;
NormalizerPtr build_bert_normalizer(const json&, const StageContext&);
NormalizerPtr build_normalizer_sequence(const json&, const StageContext&);
NormalizerPtr build_precompiled(const json&, const StageContext&);
NormalizerPtr build_strip(const json&, const StageContext&);
NormalizerPtr build_strip_accents(const json&, const StageContext&);
NormalizerPtr build_lowercase(const json&, const StageContext&);
NormalizerPtr build_prepend(const json&, const StageContext&);
NormalizerPtr build_replace(const json&, const StageContext&);
NormalizerPtr build_nfd(const json&, const StageContext&);
NormalizerPtr build_nfkd(const json&, const StageContext&);
NormalizerPtr build_nfc(const json&, const StageContext&);
NormalizerPtr build_nfkc(const json&, const StageContext&);

namespace {

const StageBuilder<NormalizerPtr> kNormalizers[] = {
    {"BertNormalizer", build_bert_normalizer},
    {"Sequence", build_normalizer_sequence},
    {"Precompiled", build_precompiled},
    {"Strip", build_strip},
    {"StripAccents", build_strip_accents},
    {"Lowercase", build_lowercase},
    {"Prepend", build_prepend},
    {"Replace", build_replace},
    {"NFD", build_nfd},
    {"NFKD", build_nfkd},
    {"NFC", build_nfc},
    {"NFKC", build_nfkc},
};

}  // namespace

NormalizerPtr build_normalizer(const json& block, const StageContext& ctx) {
  return build_stage(kNormalizers, block, ctx);
}

}  // namespace sembed::tokenizer

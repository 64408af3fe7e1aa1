// The decoder table: one line per decoder type; each builder lives in its decoder's file.
#include "tokenizer/decoders/decoder.hpp"

namespace sembed::tokenizer {

using DecoderPtr = std::unique_ptr<Decoder>;
DecoderPtr build_byte_level_decoder(const json&, const StageContext&);
DecoderPtr build_wordpiece_decoder(const json&, const StageContext&);
DecoderPtr build_metaspace_decoder(const json&, const StageContext&);
DecoderPtr build_bpe_decoder(const json&, const StageContext&);
DecoderPtr build_byte_fallback_decoder(const json&, const StageContext&);
DecoderPtr build_fuse_decoder(const json&, const StageContext&);
DecoderPtr build_strip_decoder(const json&, const StageContext&);
DecoderPtr build_replace_decoder(const json&, const StageContext&);
DecoderPtr build_sequence_decoder(const json&, const StageContext&);

namespace {

const StageBuilder<DecoderPtr> kDecoders[] = {
    {"ByteLevel", build_byte_level_decoder},
    {"WordPiece", build_wordpiece_decoder},
    {"Metaspace", build_metaspace_decoder},
    {"BPEDecoder", build_bpe_decoder},
    {"ByteFallback", build_byte_fallback_decoder},
    {"Fuse", build_fuse_decoder},
    {"Strip", build_strip_decoder},
    {"Replace", build_replace_decoder},
    {"Sequence", build_sequence_decoder},
};

}  // namespace

DecoderPtr build_decoder(const json& block, const StageContext& ctx) {
  return build_stage(kDecoders, block, ctx);
}

DecoderPtr build_sequence_decoder(const json& block, const StageContext& ctx) {
  class SequenceDecoder final : public Decoder {
   public:
    explicit SequenceDecoder(std::vector<DecoderPtr> stages) : stages_(std::move(stages)) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
      for (const DecoderPtr& d : stages_) d->decode_chain(tokens);
    }

   private:
    std::vector<DecoderPtr> stages_;
  };
  const json& list = ctx.require_array(block, "decoders");
  std::vector<DecoderPtr> stages;
  for (size_t i = 0; i < list.size(); ++i) {
    stages.push_back(build_decoder(list[i], ctx.at("decoders").index(i)));
  }
  return std::make_unique<SequenceDecoder>(std::move(stages));
}

}  // namespace sembed::tokenizer

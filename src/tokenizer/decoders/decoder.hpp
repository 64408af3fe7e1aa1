// The decoder stage interface (tokenizer.json "decoder"): turns the token strings of some ids
// back into text pieces, as tokenizers' Decoder::decode_chain; the text is the pieces joined.
// Decoders of a Sequence run one after the other on the pieces.
// Does not: map ids to tokens or skip special tokens (Tokenizer::decode does).
// Thread safety: implementations are immutable after construction.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tokenizer/stage_json.hpp"

namespace sembed::tokenizer {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

// Builds a decoder from its tokenizer.json block, dispatching on "type" (table in factory.cpp).
std::unique_ptr<Decoder> build_decoder(const json& block, const StageContext& ctx);

// Rust's String::from_utf8_lossy: each maximal ill-formed subsequence becomes one U+FFFD.
std::string utf8_lossy(const std::string& bytes);

}  // namespace sembed::tokenizer

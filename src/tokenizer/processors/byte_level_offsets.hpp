// The offset trimming shared by the ByteLevel and RobertaProcessing post-processors
// (tokenizers' byte_level::process_offsets): a token's offsets lose the spaces its string starts
// or ends with — 'Ġ' (the byte-level image of ' ') or any Unicode whitespace — except the one
// space add_prefix_space put in front of the first token.
// Offsets here are code points of the original text; the reference does this arithmetic in
// bytes. The two agree whenever each trimmed 'Ġ' stands for an original one-byte ' ', which is
// the case unless a normalizer turned a multi-byte character into ' ' (documented in
// docs/tokenizer.md as a known difference).
// Does not: add special tokens (post_processor.hpp).
#pragma once

#include "tokenizer/encoding.hpp"

namespace sembed::tokenizer {

void trim_byte_level_offsets(Encoding& encoding, bool add_prefix_space);

}  // namespace sembed::tokenizer

// The offset trimming shared by the ByteLevel and RobertaProcessing post-processors
// (tokenizers' byte_level::process_offsets): a token's offsets lose the spaces its string starts
// or ends with — 'Ġ' (the byte-level image of ' ') or any Unicode whitespace — except the one
// space add_prefix_space put in front of the first token.
// Offsets here are code points of the original text; the reference does this arithmetic in
// bytes. The two agree whenever each trimmed 'Ġ' stands for an original one-byte ' ', which is
// the case unless a normalizer turned a multi-byte character into ' ' (documented in
// docs/tokenizer.md as a known difference).
// Does not: add special tokens (the post-processors do).
#pragma once

#include <cstddef>

#include "tokenizer/encoding.hpp"

namespace sembed::tokenizer {

// Trims tokens [begin, end) of `encoding`, which hold one sequence (token `begin` is its first).
void trim_byte_level_offsets(Encoding& encoding, size_t begin, size_t end, bool add_prefix_space);

}  // namespace sembed::tokenizer

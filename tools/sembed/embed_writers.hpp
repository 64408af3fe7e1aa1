// Writers for `sembed embed` output: jsonl, json, csv and npy, for sentence embeddings (one
// matrix) and token embeddings (one matrix per text). Floats are written so that they read back
// as the same float32 (npy stores the raw float32).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <sembed/sembed.hpp>

namespace sembed::cli {

enum class EmbedFormat { Jsonl, Json, Csv, Npy };
EmbedFormat parse_embed_format(const std::string& name);

void write_sentence_embeddings(std::FILE* out, EmbedFormat format, const Matrix& embeddings);
void write_token_embeddings(std::FILE* out, EmbedFormat format, const std::vector<Matrix>& per_text);
// Per text {"chunks": [{"token_begin", "token_end", "char_begin", "char_end", "embedding"}]}
// (jsonl: one line per text; json: an array of them).
void write_chunks(std::FILE* out, EmbedFormat format, const std::vector<ChunkedText>& per_text);

}  // namespace sembed::cli

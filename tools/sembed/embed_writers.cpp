// Output formats of `sembed embed`:
//   jsonl  one JSON array per line (per text; token mode: an array of token vectors)
//   json   one JSON array of those
//   csv    one row per text (token mode: text index, token index, then the values)
//   npy    float32 [n, dim] (NumPy .npy v1.0); token mode is ragged and not supported
// Chunks mode (jsonl / json only): per text an object with its windows' boundaries and vectors.
#include "sembed/embed_writers.hpp"

#include "sembed/cli_common.hpp"

namespace sembed::cli {
namespace {

void write_row_json(std::FILE* out, const float* row, size_t n) {
  std::fputc('[', out);
  for (size_t j = 0; j < n; ++j) {
    if (j) std::fputc(',', out);
    std::fputs(format_float(row[j]).c_str(), out);
  }
  std::fputc(']', out);
}

void write_matrix_json(std::FILE* out, const Matrix& m) {
  std::fputc('[', out);
  for (size_t i = 0; i < m.rows; ++i) {
    if (i) std::fputc(',', out);
    write_row_json(out, m.row(i), m.cols);
  }
  std::fputc(']', out);
}

void write_row_csv(std::FILE* out, const std::string& prefix, const float* row, size_t n) {
  std::fputs(prefix.c_str(), out);
  for (size_t j = 0; j < n; ++j) {
    if (j || !prefix.empty()) std::fputc(',', out);
    std::fputs(format_float(row[j]).c_str(), out);
  }
  std::fputc('\n', out);
}

void write_npy(std::FILE* out, const Matrix& m) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                       std::to_string(m.rows) + ", " + std::to_string(m.cols) + "), }";
  // Magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of
  // 64 bytes and ending in a newline, as the format requires.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  const uint16_t header_len = static_cast<uint16_t>(header.size());
  std::fwrite("\x93NUMPY\x01\x00", 1, 8, out);
  const unsigned char len_bytes[2] = {static_cast<unsigned char>(header_len & 0xff),
                                      static_cast<unsigned char>(header_len >> 8)};
  std::fwrite(len_bytes, 1, 2, out);
  std::fwrite(header.data(), 1, header.size(), out);
  std::fwrite(m.data.data(), sizeof(float), m.data.size(), out);  // x86-64 is little-endian
}

}  // namespace

EmbedFormat parse_embed_format(const std::string& name) {
  if (name == "jsonl") return EmbedFormat::Jsonl;
  if (name == "json") return EmbedFormat::Json;
  if (name == "csv") return EmbedFormat::Csv;
  if (name == "npy") return EmbedFormat::Npy;
  throw Error("unknown format '" + name + "' (choose jsonl, json, csv or npy)");
}

void write_sentence_embeddings(std::FILE* out, EmbedFormat format, const Matrix& embeddings) {
  switch (format) {
    case EmbedFormat::Jsonl:
      for (size_t i = 0; i < embeddings.rows; ++i) {
        write_row_json(out, embeddings.row(i), embeddings.cols);
        std::fputc('\n', out);
      }
      return;
    case EmbedFormat::Json:
      write_matrix_json(out, embeddings);
      std::fputc('\n', out);
      return;
    case EmbedFormat::Csv:
      for (size_t i = 0; i < embeddings.rows; ++i)
        write_row_csv(out, "", embeddings.row(i), embeddings.cols);
      return;
    case EmbedFormat::Npy:
      write_npy(out, embeddings);
      return;
  }
}

void write_token_embeddings(std::FILE* out, EmbedFormat format,
                            const std::vector<Matrix>& per_text) {
  switch (format) {
    case EmbedFormat::Jsonl:
      for (const auto& m : per_text) {
        write_matrix_json(out, m);
        std::fputc('\n', out);
      }
      return;
    case EmbedFormat::Json:
      std::fputc('[', out);
      for (size_t i = 0; i < per_text.size(); ++i) {
        if (i) std::fputc(',', out);
        write_matrix_json(out, per_text[i]);
      }
      std::fputs("]\n", out);
      return;
    case EmbedFormat::Csv:
      for (size_t i = 0; i < per_text.size(); ++i)
        for (size_t t = 0; t < per_text[i].rows; ++t)
          write_row_csv(out, std::to_string(i) + "," + std::to_string(t), per_text[i].row(t),
                        per_text[i].cols);
      return;
    case EmbedFormat::Npy:
      throw Error("--format npy holds one matrix; token embeddings differ in length per text "
                  "(use jsonl, json or csv with --output-value token)");
  }
}

namespace {

void write_text_chunks_json(std::FILE* out, const ChunkedText& t) {
  std::fputs("{\"chunks\":[", out);
  for (size_t k = 0; k < t.chunks.size(); ++k) {
    const TextChunk& c = t.chunks[k];
    std::fprintf(out,
                 "%s{\"token_begin\":%zu,\"token_end\":%zu,\"char_begin\":%zu,\"char_end\":%zu,"
                 "\"embedding\":",
                 k ? "," : "", c.token_begin, c.token_end, c.char_begin, c.char_end);
    write_row_json(out, t.embeddings.row(k), t.embeddings.cols);
    std::fputc('}', out);
  }
  std::fputs("]}", out);
}

}  // namespace

void write_chunks(std::FILE* out, EmbedFormat format, const std::vector<ChunkedText>& per_text) {
  if (format != EmbedFormat::Jsonl && format != EmbedFormat::Json)
    throw Error("chunks are written as JSON: use --format jsonl or json");
  if (format == EmbedFormat::Json) std::fputc('[', out);
  for (size_t i = 0; i < per_text.size(); ++i) {
    if (format == EmbedFormat::Json && i) std::fputc(',', out);
    write_text_chunks_json(out, per_text[i]);
    if (format == EmbedFormat::Jsonl) std::fputc('\n', out);
  }
  if (format == EmbedFormat::Json) std::fputs("]\n", out);
}

}  // namespace sembed::cli

// DiskEmbeddingCache: `sembed embed --cache DIR`, so that re-running a corpus after adding
// documents embeds only the new ones. One file per model and output-changing options,
// DIR/<16 hex digits>.sembed-cache, whose header holds the full description it was made for
// (the model directory, the size and modification time of its config, tokenizer and weight
// files, the pooling and normalization asked for, the embedding width); a file whose header does
// not match is never used. Records are appended: the token ids the model sees (prompt and
// truncation applied), how many of them are the prompt's, and the row — the same key as the
// server's memory cache (engine/embedding_cache.hpp), so a cached row is bit-identical to a
// fresh one. A record cut short (an interrupted run) is dropped and overwritten.
// The whole file is read into memory when opened.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

namespace sembed::cli {

class DiskEmbeddingCache {
 public:
  // Opens or creates the cache file for `description` in dir (created if missing). Throws
  // sembed::Error naming the file when it cannot be read or written, or is not a cache file.
  DiskEmbeddingCache(const std::filesystem::path& dir, const std::string& description, size_t dim);
  ~DiskEmbeddingCache();

  // Copies the row of (ids, prompt_tokens) to out[0..dim) when cached.
  bool lookup(const std::vector<int32_t>& ids, size_t prompt_tokens, float* out) const;
  // Appends a row (written by commit()).
  void add(const std::vector<int32_t>& ids, size_t prompt_tokens, const float* row);
  // Writes the added rows to the file; throws sembed::Error when the write fails.
  void commit();

  size_t size() const { return rows_.size(); }
  const std::filesystem::path& file() const { return file_; }

 private:
  static std::string key(const std::vector<int32_t>& ids, size_t prompt_tokens);
  std::filesystem::path file_;
  size_t dim_;
  std::unordered_map<std::string, size_t> index_;  // key -> row number
  std::vector<float> rows_data_;
  std::vector<size_t> rows_;  // offsets into rows_data_, one per row
  std::string pending_;       // records not yet written
  uint64_t valid_bytes_ = 0;  // length of the file's complete records
};

// The description of a model and the options that change its rows, for the cache header.
std::string describe_for_cache(const std::filesystem::path& model_dir, const std::string& options,
                               size_t dim);

}  // namespace sembed::cli

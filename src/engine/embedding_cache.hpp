// EmbeddingCache: a least-recently-used map from a token sequence to its embedding row, bounded
// in bytes. The key is what decides the row: the token ids the engine sees (text, prompt and
// truncation already applied) and how many of them are a prompt's; one cache serves one model.
// Because the engine's rows do not depend on what they are batched with (packed sequences,
// batch-invariant matmuls), a cached row is bit-identical to a fresh one.
//
// Memory: every entry is charged its key, its floats and a fixed per-entry overhead; inserting
// past max_bytes evicts the least recently used entries first. A row larger than the whole
// budget is not cached.
// Thread safety: all methods may be called concurrently (one mutex; lookups copy the row out).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sembed::engine {

class EmbeddingCache {
 public:
  struct Stats {
    uint64_t hits = 0, misses = 0, insertions = 0, evictions = 0;
    size_t entries = 0, bytes = 0, max_bytes = 0;
  };

  explicit EmbeddingCache(size_t max_bytes);

  // Copies the cached row of (ids, prompt_tokens) into out[0..dim) and returns true; false (a
  // miss) when absent or cached with another width.
  // `context` is part of the key: what else decides the row when one cache serves several
  // models or options (the library's cache: the model and the pooling and normalization asked
  // for); empty for one model and fixed options (the server).
  bool lookup(const std::vector<int32_t>& ids, size_t prompt_tokens, float* out, size_t dim,
              std::string_view context = {});
  // Caches row[0..dim) for (ids, prompt_tokens), most recently used; replaces an existing entry.
  void insert(const std::vector<int32_t>& ids, size_t prompt_tokens, const float* row, size_t dim,
              std::string_view context = {});

  Stats stats() const;
  // What one entry costs beyond its key and floats (list node, map slot, bookkeeping).
  static constexpr size_t kEntryOverhead = 96;

 private:
  struct Entry {
    std::string key;
    std::vector<float> row;
  };
  static std::string make_key(const std::vector<int32_t>& ids, size_t prompt_tokens,
                              std::string_view context);
  static size_t cost(const Entry& e) { return e.key.size() + e.row.size() * sizeof(float) + kEntryOverhead; }
  void evict_to(size_t budget);  // with mu_ held

  mutable std::mutex mu_;
  std::list<Entry> lru_;  // front: most recently used
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;
  Stats stats_;
};

}  // namespace sembed::engine

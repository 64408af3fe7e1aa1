// See embedding_cache.hpp.
#include "engine/embedding_cache.hpp"

#include <algorithm>
#include <cstring>

namespace sembed::engine {

EmbeddingCache::EmbeddingCache(size_t max_bytes) { stats_.max_bytes = max_bytes; }

std::string EmbeddingCache::make_key(const std::vector<int32_t>& ids, size_t prompt_tokens,
                                     std::string_view context) {
  // context's length first, then it, the prompt count and the ids: no two keys read alike.
  const uint64_t context_size = context.size(), prompt = prompt_tokens;
  std::string key(reinterpret_cast<const char*>(&context_size), sizeof context_size);
  key.append(context);
  key.append(reinterpret_cast<const char*>(&prompt), sizeof prompt);
  key.append(reinterpret_cast<const char*>(ids.data()), ids.size() * sizeof(int32_t));
  return key;
}

bool EmbeddingCache::lookup(const std::vector<int32_t>& ids, size_t prompt_tokens, float* out,
                            size_t dim, std::string_view context) {
  const std::string key = make_key(ids, prompt_tokens, context);
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = index_.find(key);
  if (it == index_.end() || it->second->row.size() != dim) {
    ++stats_.misses;
    return false;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  std::copy(it->second->row.begin(), it->second->row.end(), out);
  ++stats_.hits;
  return true;
}

void EmbeddingCache::insert(const std::vector<int32_t>& ids, size_t prompt_tokens,
                            const float* row, size_t dim, std::string_view context) {
  Entry entry{make_key(ids, prompt_tokens, context), std::vector<float>(row, row + dim)};
  const size_t c = cost(entry);
  std::lock_guard<std::mutex> lock(mu_);
  if (c > stats_.max_bytes) return;
  if (const auto it = index_.find(entry.key); it != index_.end()) {
    stats_.bytes -= cost(*it->second);
    const auto node = it->second;
    index_.erase(it);
    lru_.erase(node);
    --stats_.entries;
  }
  evict_to(stats_.max_bytes - c);
  lru_.push_front(std::move(entry));
  index_.emplace(std::string_view(lru_.front().key), lru_.begin());
  stats_.bytes += c;
  ++stats_.entries;
  ++stats_.insertions;
}

void EmbeddingCache::evict_to(size_t budget) {
  while (stats_.bytes > budget && !lru_.empty()) {
    const Entry& last = lru_.back();
    stats_.bytes -= cost(last);
    index_.erase(std::string_view(last.key));
    lru_.pop_back();
    --stats_.entries;
    ++stats_.evictions;
  }
}

EmbeddingCache::Stats EmbeddingCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace sembed::engine

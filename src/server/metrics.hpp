// Metrics: the server's counters and histograms, rendered in the Prometheus text exposition format
// for GET /metrics. Names start with sembed_; durations are in seconds.
//
// Thread safety: every method may be called from any thread (one mutex; updates are a few adds).
#pragma once

#include "engine/embedding_cache.hpp"

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace sembed::server {

// A cumulative histogram with fixed upper bounds (le), as Prometheus expects.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  // Appends the _bucket, _sum and _count lines; labels is "" or `key="value"`.
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::vector<double> bounds_;
  std::vector<unsigned long long> counts_;  // per bound, not cumulative; last is +Inf
  double sum_ = 0;
  unsigned long long count_ = 0;
};

class Metrics {
 public:
  Metrics();

  // One finished HTTP request on a route (the route pattern, not the raw path).
  void observe_request(const std::string& route, int status, double seconds);
  // Inputs and tokens that went to the engine for a request.
  void observe_inputs(size_t inputs, size_t tokens);
  // One engine call of the batcher.
  void observe_batch(size_t sequences, size_t tokens, size_t requests, double seconds, bool failed);
  void observe_rejected_queue_full();

  // Gauges are read at render time: the queue as it is now, and the embedding cache's counters
  // (null: the server has no cache; its series are then left out).
  std::string render(size_t queue_requests, size_t queue_tokens, size_t in_flight,
                     const engine::EmbeddingCache::Stats* cache = nullptr) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, unsigned long long> requests_;  // (route, status)
  std::map<std::string, Histogram> durations_;                          // per route
  unsigned long long inputs_ = 0, tokens_ = 0;
  unsigned long long batches_ = 0, batch_failures_ = 0, queue_full_ = 0;
  Histogram batch_sequences_;
  Histogram batch_tokens_;
  Histogram batch_requests_;
  Histogram batch_seconds_;
};

}  // namespace sembed::server

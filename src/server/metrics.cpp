// Prometheus text rendering of the server metrics. Bucket bounds are chosen for an embedding
// server on CPU: requests take milliseconds to seconds, batches hold 1 to thousands of sequences.
#include "server/metrics.hpp"

#include <charconv>

namespace sembed::server {
namespace {

std::vector<double> seconds_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}
std::vector<double> count_buckets() {
  return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768};
}

// Shortest text that reads back as v ("0.0025", not "0.0025000000000000001").
std::string number(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

std::string with_labels(const std::string& labels, const std::string& extra) {
  if (labels.empty()) return "{" + extra + "}";
  return "{" + labels + "," + extra + "}";
}

void header(std::string& out, const std::string& name, const char* type, const char* help) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void line(std::string& out, const std::string& name, const std::string& labels, double v) {
  out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + number(v) + "\n";
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += value;
  ++count_;
}

void Histogram::render(std::string& out, const std::string& name,
                       const std::string& labels) const {
  unsigned long long cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    out += name + "_bucket" + with_labels(labels, "le=\"" + number(bounds_[i]) + "\"") + " " +
           std::to_string(cumulative) + "\n";
  }
  out += name + "_bucket" + with_labels(labels, "le=\"+Inf\"") + " " + std::to_string(count_) +
         "\n";
  line(out, name + "_sum", labels, sum_);
  line(out, name + "_count", labels, static_cast<double>(count_));
}

Metrics::Metrics()
    : batch_sequences_(count_buckets()),
      batch_tokens_(count_buckets()),
      batch_requests_(count_buckets()),
      batch_seconds_(seconds_buckets()) {}

void Metrics::observe_request(const std::string& route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{route, status}];
  auto it = durations_.find(route);
  if (it == durations_.end()) it = durations_.emplace(route, Histogram(seconds_buckets())).first;
  it->second.observe(seconds);
}

void Metrics::observe_inputs(size_t inputs, size_t tokens) {
  std::lock_guard<std::mutex> lock(mu_);
  inputs_ += inputs;
  tokens_ += tokens;
}

void Metrics::observe_batch(size_t sequences, size_t tokens, size_t requests, double seconds,
                            bool failed) {
  std::lock_guard<std::mutex> lock(mu_);
  ++batches_;
  if (failed) ++batch_failures_;
  batch_sequences_.observe(static_cast<double>(sequences));
  batch_tokens_.observe(static_cast<double>(tokens));
  batch_requests_.observe(static_cast<double>(requests));
  batch_seconds_.observe(seconds);
}

void Metrics::observe_rejected_queue_full() {
  std::lock_guard<std::mutex> lock(mu_);
  ++queue_full_;
}

std::string Metrics::render(size_t queue_requests, size_t queue_tokens, size_t in_flight,
                            const engine::EmbeddingCache::Stats* cache) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out.reserve(8192);

  header(out, "sembed_requests_total", "counter", "HTTP requests answered, by route and status.");
  for (const auto& [key, n] : requests_) {
    line(out, "sembed_requests_total",
         "route=\"" + key.first + "\",status=\"" + std::to_string(key.second) + "\"",
         static_cast<double>(n));
  }
  header(out, "sembed_request_duration_seconds", "histogram",
         "Time from request read to response ready, by route.");
  for (const auto& [route, h] : durations_) {
    h.render(out, "sembed_request_duration_seconds", "route=\"" + route + "\"");
  }

  header(out, "sembed_requests_in_flight", "gauge", "HTTP requests being handled now.");
  line(out, "sembed_requests_in_flight", "", static_cast<double>(in_flight));
  header(out, "sembed_queue_size", "gauge", "Requests waiting for the batcher.");
  line(out, "sembed_queue_size", "", static_cast<double>(queue_requests));
  header(out, "sembed_queue_tokens", "gauge", "Tokens waiting for the batcher.");
  line(out, "sembed_queue_tokens", "", static_cast<double>(queue_tokens));
  header(out, "sembed_queue_full_total", "counter", "Requests refused with 429, queue full.");
  line(out, "sembed_queue_full_total", "", static_cast<double>(queue_full_));

  if (cache) {
    header(out, "sembed_cache_hits_total", "counter", "Embedding rows answered from the cache.");
    line(out, "sembed_cache_hits_total", "", static_cast<double>(cache->hits));
    header(out, "sembed_cache_misses_total", "counter", "Embedding rows the cache did not hold.");
    line(out, "sembed_cache_misses_total", "", static_cast<double>(cache->misses));
    header(out, "sembed_cache_evictions_total", "counter", "Cache entries evicted for space.");
    line(out, "sembed_cache_evictions_total", "", static_cast<double>(cache->evictions));
    header(out, "sembed_cache_entries", "gauge", "Embedding rows in the cache.");
    line(out, "sembed_cache_entries", "", static_cast<double>(cache->entries));
    header(out, "sembed_cache_bytes", "gauge", "Bytes the cache holds (bounded by --cache-mb).");
    line(out, "sembed_cache_bytes", "", static_cast<double>(cache->bytes));
  }

  header(out, "sembed_inputs_total", "counter", "Inputs (texts or token arrays) embedded.");
  line(out, "sembed_inputs_total", "", static_cast<double>(inputs_));
  header(out, "sembed_tokens_total", "counter", "Tokens embedded, special tokens included.");
  line(out, "sembed_tokens_total", "", static_cast<double>(tokens_));

  header(out, "sembed_batches_total", "counter", "Engine calls made by the batcher.");
  line(out, "sembed_batches_total", "", static_cast<double>(batches_));
  header(out, "sembed_batch_failures_total", "counter", "Engine calls that threw.");
  line(out, "sembed_batch_failures_total", "", static_cast<double>(batch_failures_));
  header(out, "sembed_batch_size", "histogram", "Sequences per engine call.");
  batch_sequences_.render(out, "sembed_batch_size", "");
  header(out, "sembed_batch_tokens", "histogram", "Tokens per engine call.");
  batch_tokens_.render(out, "sembed_batch_tokens", "");
  header(out, "sembed_batch_requests", "histogram", "Requests sharing one engine call.");
  batch_requests_.render(out, "sembed_batch_requests", "");
  header(out, "sembed_batch_duration_seconds", "histogram", "Time of one engine call.");
  batch_seconds_.render(out, "sembed_batch_duration_seconds", "");
  return out;
}

}  // namespace sembed::server

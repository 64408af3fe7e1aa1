// Batcher implementation: a FIFO of pending requests guarded by one mutex, drained by one owner
// thread. A request larger than the budget is split across consecutive batches; its future is
// fulfilled once all its rows are in. FIFO order keeps latency fair: no request waits behind
// later ones.
#include "engine/batcher.hpp"

#include <chrono>
#include <cstring>
#include <exception>
#include <string>
#include <utility>

namespace sembed::engine {

struct Batcher::Pending {
  std::vector<std::vector<int32_t>> ids;
  std::vector<size_t> prompt_tokens;  // per sequence; empty: all 0
  size_t next = 0;              // first sequence not yet taken into a batch
  size_t tokens_left = 0;       // tokens of sequences not yet taken (queue accounting)
  size_t rows_done = 0;         // rows written into result
  bool failed = false;          // a batch holding some of its rows threw; promise already set
  Matrix result;
  std::promise<Matrix> promise;
};

struct Batcher::Slice {
  std::shared_ptr<Pending> request;
  size_t first_row = 0;    // row in the request
  size_t batch_row = 0;    // row in the batch
  size_t count = 0;
};

Batcher::Batcher(BatchFn run, BatcherOptions options, BatchObserver observer)
    : run_(std::move(run)), options_(options), observer_(std::move(observer)) {
  if (!run_) throw Error("batcher: no batch function given");
  if (options_.max_batch_tokens == 0) throw Error("batcher: max_batch_tokens must be positive");
  if (options_.max_batch_sequences == 0) {
    throw Error("batcher: max_batch_sequences must be positive");
  }
  owner_ = std::thread([this] { owner_loop(); });
}

Batcher::~Batcher() { stop(); }

std::future<Matrix> Batcher::submit(std::vector<std::vector<int32_t>> ids,
                                    std::vector<size_t> prompt_tokens) {
  if (!prompt_tokens.empty() && prompt_tokens.size() != ids.size()) {
    throw Error("batcher: " + std::to_string(prompt_tokens.size()) + " prompt token counts for " +
                std::to_string(ids.size()) + " sequences");
  }
  auto pending = std::make_shared<Pending>();
  auto future = pending->promise.get_future();
  if (ids.empty()) {
    pending->promise.set_value(Matrix());
    return future;
  }
  size_t tokens = 0;
  for (const auto& seq : ids) tokens += seq.size();
  pending->ids = std::move(ids);
  pending->prompt_tokens = std::move(prompt_tokens);
  pending->tokens_left = tokens;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) throw BatcherStopped("the server is shutting down");
    // An empty queue admits any one request, so a request larger than the token bound is slow
    // rather than impossible; callers bound request sizes themselves.
    if (!queue_.empty() && (queue_.size() >= options_.max_queue_requests ||
                            queued_tokens_ + tokens > options_.max_queue_tokens)) {
      throw QueueFull("request queue is full (" + std::to_string(queue_.size()) + " requests, " +
                      std::to_string(queued_tokens_) + " tokens waiting); retry later");
    }
    queue_.push_back(std::move(pending));
    queued_tokens_ += tokens;
  }
  cv_.notify_one();
  return future;
}

void Batcher::stop() {
  std::lock_guard<std::mutex> stop_lock(stop_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (owner_.joinable()) owner_.join();
}

size_t Batcher::queued_requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

size_t Batcher::queued_tokens() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queued_tokens_;
}

void Batcher::take_batch(std::vector<std::vector<int32_t>>& ids, std::vector<size_t>& prompt_tokens,
                         std::vector<Slice>& slices) {
  size_t tokens = 0;
  while (!queue_.empty()) {
    Pending& req = *queue_.front();
    Slice slice{queue_.front(), req.next, ids.size(), 0};
    while (req.next < req.ids.size()) {
      const size_t len = req.ids[req.next].size();
      // The first sequence of a batch always goes in, so an over-long one cannot stall the queue.
      if (!ids.empty() && (tokens + len > options_.max_batch_tokens ||
                           ids.size() >= options_.max_batch_sequences)) {
        break;
      }
      ids.push_back(std::move(req.ids[req.next]));
      prompt_tokens.push_back(req.prompt_tokens.empty() ? 0 : req.prompt_tokens[req.next]);
      tokens += len;
      req.tokens_left -= len;
      queued_tokens_ -= len;
      ++req.next;
      ++slice.count;
    }
    if (slice.count > 0) slices.push_back(std::move(slice));
    if (req.next < req.ids.size()) break;  // budget reached inside this request
    queue_.pop_front();
  }
}

void Batcher::owner_loop() {
  for (;;) {
    std::vector<std::vector<int32_t>> ids;
    std::vector<size_t> prompt_tokens;
    std::vector<Slice> slices;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has been answered
      take_batch(ids, prompt_tokens, slices);
    }

    BatchReport report;
    report.sequences = ids.size();
    for (const auto& seq : ids) report.tokens += seq.size();
    report.requests = slices.size();

    Matrix out;
    std::exception_ptr error;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      out = run_(ids, prompt_tokens);
      if (out.rows != ids.size()) {
        throw Error("batcher: engine returned " + std::to_string(out.rows) + " rows for " +
                    std::to_string(ids.size()) + " sequences");
      }
    } catch (...) {
      error = std::current_exception();
    }
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    report.failed = error != nullptr;
    // Report before any caller is answered, so a client that reads /metrics after its response
    // always sees the batch that produced it.
    if (observer_) {
      try {
        observer_(report);
      } catch (...) {
        // Metrics must never stop the batcher.
      }
    }

    for (auto& slice : slices) {
      Pending& req = *slice.request;
      if (req.failed) continue;
      if (error) {
        req.failed = true;
        req.promise.set_exception(error);
        // Its sequences still queued will never be needed: drop them so they cost nothing.
        std::lock_guard<std::mutex> lock(mu_);
        for (size_t i = req.next; i < req.ids.size(); ++i) req.ids[i] = {};
        queued_tokens_ -= req.tokens_left;
        req.tokens_left = 0;
        req.next = req.ids.size();
        if (!queue_.empty() && queue_.front() == slice.request) queue_.pop_front();
        continue;
      }
      if (req.result.rows == 0) req.result = Matrix(req.ids.size(), out.cols);
      std::memcpy(req.result.row(slice.first_row), out.row(slice.batch_row),
                  slice.count * out.cols * sizeof(float));
      req.rows_done += slice.count;
      if (req.rows_done == req.ids.size()) {
        req.ids = {};
        req.promise.set_value(std::move(req.result));
      }
    }
  }
}

}  // namespace sembed::engine

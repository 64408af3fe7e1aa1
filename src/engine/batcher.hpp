// Batcher: the server's dynamic request batcher. Many threads submit requests (each a list of
// already-tokenized sequences, with how many leading tokens of each are a prompt's); one owner
// thread packs queued sequences into batches under a token
// budget, runs each batch through a callback (normally Model::encode_ids), and hands every request
// exactly its own rows back, in order, through a future.
//
// What it does not do: tokenize, normalize, or know anything about HTTP or the engine's internals.
// The callback must give each sequence the same embedding whatever else is in its batch (true for
// sembed's engine, which packs sequences without padding), so a request's result does not depend on
// what it was batched with.
//
// Thread safety: submit(), queued_*() and stop() may be called from any thread. The callback and
// the observer run on the owner thread only.
#pragma once

#include <sembed/error.hpp>
#include <sembed/sembed.hpp>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace sembed::engine {

struct BatcherOptions {
  // Most tokens (sum of sequence lengths) in one engine call. A single sequence longer than this
  // still runs, alone.
  size_t max_batch_tokens = 16384;
  // Most sequences in one engine call.
  size_t max_batch_sequences = 512;
  // Bounds on work waiting for the owner thread; submit() beyond either throws QueueFull.
  size_t max_queue_requests = 1024;
  size_t max_queue_tokens = size_t{1} << 20;
};

// Runs one batch: token id sequences (with special tokens) and, per sequence, the count of its
// leading tokens that are a prompt's (Model::encode_ids' prompt_tokens) -> [ids.size(), dim]
// embeddings.
using BatchFn = std::function<Matrix(const std::vector<std::vector<int32_t>>& ids,
                                     const std::vector<size_t>& prompt_tokens)>;

// What one engine call did, reported after it finishes (for metrics).
struct BatchReport {
  size_t sequences = 0;
  size_t tokens = 0;
  size_t requests = 0;       // requests with at least one sequence in this batch
  double seconds = 0;        // time spent in the callback
  bool failed = false;       // the callback threw
};
using BatchObserver = std::function<void(const BatchReport&)>;

// Thrown by submit() when the queue is at one of its bounds; the caller should retry later.
class QueueFull : public Error {
 public:
  using Error::Error;
};

// Thrown by submit() once stop() has begun.
class BatcherStopped : public Error {
 public:
  using Error::Error;
};

class Batcher {
 public:
  Batcher(BatchFn run, BatcherOptions options, BatchObserver observer = {});
  ~Batcher();  // stop()
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Queues one request. prompt_tokens holds one count per sequence, or is empty for none (all
  // 0); each sequence reaches the callback with its own count, so requests with different prompts
  // share batches. The future yields [ids.size(), dim] rows in the order given, or the exception
  // the callback threw for a batch holding any of them. An empty request is answered at once
  // with an empty matrix. Throws QueueFull or BatcherStopped (or Error for a count mismatch).
  std::future<Matrix> submit(std::vector<std::vector<int32_t>> ids,
                             std::vector<size_t> prompt_tokens = {});

  // Stops accepting requests, finishes everything already queued, joins the owner thread.
  // Idempotent.
  void stop();

  size_t queued_requests() const;
  size_t queued_tokens() const;
  const BatcherOptions& options() const { return options_; }

 private:
  struct Pending;
  struct Slice;
  void owner_loop();
  // Takes sequences from the queue front under the budget; called with mu_ held.
  void take_batch(std::vector<std::vector<int32_t>>& ids, std::vector<size_t>& prompt_tokens,
                  std::vector<Slice>& slices);

  BatchFn run_;
  BatcherOptions options_;
  BatchObserver observer_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Pending>> queue_;
  size_t queued_tokens_ = 0;
  bool stopping_ = false;
  std::mutex stop_mu_;  // serialises stop() callers around the join
  std::thread owner_;
};

}  // namespace sembed::engine

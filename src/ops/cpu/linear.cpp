// See linear.hpp. oneDNN matmul with prepacked weights, one primitive per (rows, threads).
#include "ops/cpu/linear.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <exception>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <sembed/error.hpp>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "ops/cpu/dnnl_context.hpp"
#include "ops/cpu/parallel.hpp"
#include "tensor/aligned_buffer.hpp"

namespace sembed::ops::cpu {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

// The row count used to ask oneDNN for its preferred weight layout. The layout it picks for the
// AVX-512 brgemm kernel does not depend on M (checked per M below: a primitive that cannot take
// the prepacked layout falls back to a slower implementation, never to wrong results).
constexpr int64_t kLayoutProbeRows = 128;
// Row block for kernels whose per-row rounding depends on the row count (see fixed_rows). The
// gemm kernels treat the last rows of a call with a tail kernel that rounds differently when the
// count is not a multiple of their row unroll (6, 8, 16 or 24 by ISA); 48 is a multiple of all.
constexpr int64_t kFallbackBlockRows = 48;
// On the AVX-512 path every call's row count is one of few: a multiple of kBodyRows (the body),
// then the rest rounded up to a multiple of kTailQuantum (zero-padded in a copy when it is not
// one already). Every distinct row count (and thread count) is its own oneDNN primitive, ~50 KB
// of JIT code and descriptors; packed batches of varied lengths made hundreds of distinct counts
// per matrix, and keeping them all grew a server's memory with every new one, while a small
// cache of them missed on almost every call (-20% throughput on short sentences, measured). With
// chunks of at most ~800 rows the counts are at most 12 bodies + 8 tails per thread count.
constexpr int64_t kBodyRows = 64;
constexpr int64_t kTailQuantum = 8;
// Compiled kernels kept per weight matrix, least recently used evicted: room for every count
// above at two thread counts, so the steady state never compiles; the bound holds memory to
// 48 × ~50 KB per matrix whatever clients send.
constexpr size_t kKernelsPerLinear = 48;

// oneDNN scratch space, one per calling thread, grown as needed and kept across calls.
tensor::AlignedBuffer& thread_scratch() {
  thread_local tensor::AlignedBuffer buffer;
  return buffer;
}

}  // namespace

struct Linear::Impl {
  int64_t n = 0;  // out_features
  int64_t k = 0;  // in_features
  Epilogue epilogue = Epilogue::None;
  // 0: call oneDNN with the real row count (its kernel gives bit-identical rows for any count).
  // Otherwise always call it with exactly this many rows, padding the last block: for kernels
  // whose rounding depends on the row count (oneDNN's gemm, chosen below AVX-512).
  int64_t fixed_rows = 0;
  dnnl::memory::desc weights_desc;  // the prepacked layout
  dnnl::memory weights;             // [k, n] logical, prepacked
  dnnl::memory bias;                // [1, n]

  struct Entry {
    dnnl::matmul primitive;
    size_t scratch_bytes = 0;
    std::string impl;
    uint64_t id = 0;  // unique for the process lifetime (keys the per-thread memory objects)
  };
  struct Cached {
    std::shared_ptr<const Entry> entry;
    mutable std::atomic<uint64_t> last_use{0};  // a tick of `clock`, written under the shared lock
  };
  mutable std::shared_mutex mutex;
  mutable std::unordered_map<uint64_t, Cached> cache;
  mutable std::atomic<uint64_t> clock{0};

  dnnl::primitive_attr attr() const {
    dnnl::primitive_attr a;
    a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::post_ops ops;
    switch (epilogue) {
      case Epilogue::None:
        break;
      case Epilogue::Gelu:
        ops.append_eltwise(1.f, dnnl::algorithm::eltwise_gelu_erf, 0.f, 0.f);
        break;
      case Epilogue::Tanh:
        ops.append_eltwise(1.f, dnnl::algorithm::eltwise_tanh, 0.f, 0.f);
        break;
      case Epilogue::Relu:
        ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
        break;
      case Epilogue::Accumulate:
        ops.append_sum(1.f);
        break;
    }
    a.set_post_ops(ops);
    return a;
  }

  dnnl::matmul::primitive_desc make_pd(int64_t m, const dnnl::memory::desc& wdesc) const {
    dnnl::memory::desc src({m, k}, dt::f32, {k, 1});
    dnnl::memory::desc bdesc({1, n}, dt::f32, tag::ab);
    dnnl::memory::desc dst({m, n}, dt::f32, {n, 1});
    return dnnl::matmul::primitive_desc(dnnl::matmul::desc(src, wdesc, bdesc, dst), attr(),
                                        engine());
  }

  // One oneDNN call on exactly `rows` rows; the caller has set the thread count.
  void run(const float* x, int64_t rows, float* y, int threads) const;
  // The same on `rows` rows through copies zero-padded to `padded_rows`.
  void run_padded(const float* x, int64_t rows, float* y, int64_t padded_rows, int threads) const;

  // The caller has set the thread count (ScopedThreadCount): oneDNN sizes its work split from it.
  std::shared_ptr<const Entry> get(int64_t m, int threads) const {
    const uint64_t key = (static_cast<uint64_t>(m) << 10) | static_cast<uint64_t>(threads & 1023);
    const uint64_t now = clock.fetch_add(1, std::memory_order_relaxed);
    {
      std::shared_lock lock(mutex);
      auto it = cache.find(key);
      if (it != cache.end()) {
        it->second.last_use.store(now, std::memory_order_relaxed);
        return it->second.entry;
      }
    }
    auto pd = make_pd(m, weights_desc);
    auto entry = std::make_shared<Entry>();
    entry->primitive = dnnl::matmul(pd);
    entry->scratch_bytes = pd.scratchpad_desc().get_size();
    entry->impl = pd.impl_info_str();
    static std::atomic<uint64_t> next_id{1};
    entry->id = next_id.fetch_add(1, std::memory_order_relaxed);
    std::unique_lock lock(mutex);
    if (cache.size() >= kKernelsPerLinear && cache.find(key) == cache.end()) {
      auto oldest = cache.begin();
      for (auto it = cache.begin(); it != cache.end(); ++it)
        if (it->second.last_use.load(std::memory_order_relaxed) <
            oldest->second.last_use.load(std::memory_order_relaxed))
          oldest = it;
      cache.erase(oldest);  // a call still running on it holds its own reference
    }
    auto [it, inserted] = cache.try_emplace(key);
    if (inserted) it->second.entry = entry;
    it->second.last_use.store(now, std::memory_order_relaxed);
    return it->second.entry;
  }
};

Linear::Linear(const float* weight, const float* bias, int64_t out_features, int64_t in_features,
               Epilogue epilogue)
    : impl_(std::make_unique<Impl>()) {
  if (out_features <= 0 || in_features <= 0) throw Error("Linear: empty weight");
  Impl& d = *impl_;
  d.n = out_features;
  d.k = in_features;
  d.epilogue = epilogue;
  auto probe = d.make_pd(kLayoutProbeRows, dnnl::memory::desc({d.k, d.n}, dt::f32, tag::any));
  d.weights_desc = probe.weights_desc();
  d.weights = dnnl::memory(d.weights_desc, engine());
  // HF stores [out, in] row-major: as the [in, out] matrix oneDNN wants, that is strides {1, in}.
  dnnl::memory src(dnnl::memory::desc({d.k, d.n}, dt::f32, {1, d.k}), engine(),
                   const_cast<float*>(weight));
  dnnl::reorder(src, d.weights).execute(stream(), src, d.weights);
  // oneDNN's AVX-512 "brgemm" kernel was measured to give every row the same bits whatever the
  // row and thread counts (tests/ops/linear_test.cpp checks it); other kernels are run on fixed
  // row blocks instead.
  auto is_brgemm = [&](int64_t m) {
    return std::string(d.make_pd(m, d.weights_desc).impl_info_str()).rfind("brg", 0) == 0;
  };
  d.fixed_rows = is_brgemm(1) && is_brgemm(kLayoutProbeRows) ? 0 : kFallbackBlockRows;
  d.bias = dnnl::memory(dnnl::memory::desc({1, d.n}, dt::f32, tag::ab), engine());
  auto* b = static_cast<float*>(d.bias.get_data_handle());
  if (bias)
    std::memcpy(b, bias, sizeof(float) * static_cast<size_t>(d.n));
  else
    std::memset(b, 0, sizeof(float) * static_cast<size_t>(d.n));
  stream().wait();
}

Linear::~Linear() = default;
Linear::Linear(Linear&&) noexcept = default;
Linear& Linear::operator=(Linear&&) noexcept = default;

int64_t Linear::in_features() const { return impl_->k; }
int64_t Linear::out_features() const { return impl_->n; }

size_t Linear::cached_kernels() const {
  std::shared_lock lock(impl_->mutex);
  return impl_->cache.size();
}

const char* Linear::implementation(int64_t rows, int threads) const {
  ScopedThreadCount scoped(threads);
  return impl_->get(rows, threads)->impl.c_str();
}

namespace {

// oneDNN memory objects for one primitive's source, destination and scratchpad, kept per calling
// thread and re-pointed at each call's buffers: creating them costs more than a small matmul's
// bookkeeping should. A few slots per thread, round-robin; a slot is found by the primitive's id.
struct MemorySlot {
  uint64_t id = 0;
  dnnl::memory src, dst, pad;
};

MemorySlot& thread_slot(uint64_t id, const dnnl::memory::desc& src, const dnnl::memory::desc& dst,
                        const dnnl::memory::desc& pad) {
  constexpr size_t kSlots = 16;
  thread_local std::array<MemorySlot, kSlots> slots;
  thread_local size_t next = 0;
  for (auto& s : slots)
    if (s.id == id) return s;
  MemorySlot& s = slots[next];
  next = (next + 1) % kSlots;
  s.id = id;
  s.src = dnnl::memory(src, engine(), DNNL_MEMORY_NONE);
  s.dst = dnnl::memory(dst, engine(), DNNL_MEMORY_NONE);
  s.pad = dnnl::memory(pad, engine(), DNNL_MEMORY_NONE);
  return s;
}

}  // namespace

void Linear::Impl::run(const float* x, int64_t rows, float* y, int threads) const {
  const Impl& d = *this;
  auto entry = d.get(rows, threads);
  const int64_t scratch_bytes = std::max<int64_t>(1, static_cast<int64_t>(entry->scratch_bytes));
  MemorySlot& slot = thread_slot(entry->id, dnnl::memory::desc({rows, d.k}, dt::f32, {d.k, 1}),
                                 dnnl::memory::desc({rows, d.n}, dt::f32, {d.n, 1}),
                                 dnnl::memory::desc({scratch_bytes}, dt::u8, tag::a));
  slot.src.set_data_handle(const_cast<float*>(x));
  slot.dst.set_data_handle(y);
  slot.pad.set_data_handle(
      thread_scratch().reserve(static_cast<size_t>(scratch_bytes) / sizeof(float) + 1));
  // The C entry point takes the arguments as a plain array: no per-call map allocation.
  const dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, slot.src.get()},
                                  {DNNL_ARG_WEIGHTS, d.weights.get()},
                                  {DNNL_ARG_BIAS, d.bias.get()},
                                  {DNNL_ARG_DST, slot.dst.get()},
                                  {DNNL_ARG_SCRATCHPAD, slot.pad.get()}};
  const dnnl_status_t status =
      dnnl_primitive_execute(entry->primitive.get(), stream().get(), 5, args);
  if (status != dnnl_success)
    throw Error("oneDNN matmul failed with status " + std::to_string(status));
  stream().wait();
}

void Linear::Impl::run_padded(const float* x, int64_t rows, float* y, int64_t padded_rows,
                              int threads) const {
  // Zero input rows, and for Accumulate the residual rows, so the kernel sees `padded_rows`.
  thread_local tensor::AlignedBuffer xpad, ypad;
  float* xp = xpad.reserve(static_cast<size_t>(padded_rows * k));
  float* yp = ypad.reserve(static_cast<size_t>(padded_rows * n));
  std::memcpy(xp, x, sizeof(float) * static_cast<size_t>(rows * k));
  std::memset(xp + rows * k, 0, sizeof(float) * static_cast<size_t>((padded_rows - rows) * k));
  std::memset(yp, 0, sizeof(float) * static_cast<size_t>(padded_rows * n));
  if (epilogue == Epilogue::Accumulate)
    std::memcpy(yp, y, sizeof(float) * static_cast<size_t>(rows * n));
  run(xp, padded_rows, yp, threads);
  std::memcpy(y, yp, sizeof(float) * static_cast<size_t>(rows * n));
}

void Linear::forward(const float* x, int64_t rows, float* y, int threads) const {
  if (rows <= 0) return;
  const Impl& d = *impl_;
  ScopedThreadCount scoped(threads);
  if (d.fixed_rows == 0) {
    // brgemm: rows are bit-identical whatever the call's row count, so any split is exact.
    const int64_t body = rows / kBodyRows * kBodyRows;
    if (body > 0) d.run(x, body, y, threads);
    const int64_t left = rows - body;
    if (left == 0) return;
    const int64_t tail = (left + kTailQuantum - 1) / kTailQuantum * kTailQuantum;
    if (tail == left) {
      d.run(x + body * d.k, left, y + body * d.n, threads);
    } else {
      d.run_padded(x + body * d.k, left, y + body * d.n, tail, threads);
    }
    return;
  }
  const int64_t block = d.fixed_rows;
  const int64_t blocks = (rows + block - 1) / block;
  // Blocks [b0, b1), each one oneDNN call on `call_threads` threads.
  auto run_blocks = [&](int64_t b0, int64_t b1, int call_threads) {
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t r = b * block, n_rows = std::min(block, rows - r);
      if (n_rows == block)
        d.run(x + r * d.k, block, y + r * d.n, call_threads);
      else
        d.run_padded(x + r * d.k, n_rows, y + r * d.n, block, call_threads);
    }
  };
  if (threads == 1 || blocks == 1) {  // one block, or one thread: each call on all the threads
    run_blocks(0, blocks, threads);
    return;
  }
  // Several blocks: the threads share out whole blocks, each call single-threaded. oneDNN's gemm
  // splits one 48-row call between threads poorly (AVX2, 768x2304 weights: 18.5 GFLOP/s on two
  // threads against 33.5 on one), and a block's bits do not depend on the thread count it ran
  // with (tests/ops/linear_test.cpp, RowsAreBitIdenticalWhateverTheBatch).
  // An exception must not leave the OpenMP region: the first is kept and rethrown here.
  std::mutex error_mutex;
  std::exception_ptr error;
  parallel_for(threads, static_cast<size_t>(blocks), [&](size_t b0, size_t b1) {
    try {
      ScopedThreadCount one(1);
      run_blocks(static_cast<int64_t>(b0), static_cast<int64_t>(b1), 1);
    } catch (...) {
      std::lock_guard lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  });
  if (error) std::rethrow_exception(error);
}

}  // namespace sembed::ops::cpu

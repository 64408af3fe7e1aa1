// See linear.hpp. oneDNN matmul with prepacked weights, one primitive per (rows, threads).
#include "ops/cpu/linear.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <exception>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <sembed/error.hpp>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "ops/cpu/dnnl_context.hpp"
#include "ops/cpu/low_precision.hpp"
#include "ops/cpu/parallel.hpp"
#include "ops/cpu/small_rows_matmul.hpp"
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
// chunks of at most ~800 rows the counts are at most 12 bodies + 21 tails per thread count.
constexpr int64_t kBodyRows = 64;
constexpr int64_t kTailQuantum = 8;
// The row count of the call that computes a tail of `left` rows (left < kBodyRows). Tails under
// kSmallRowsLimit (16) rows run at their exact count (where the small-row kernel does not take
// them): a lone short sentence (~10 tokens) padded to 16 rows spent 78% more FLOPs than it needed
// and the copies in and out of the padding (MiniLM, 9 tokens, 24 matmuls on 2 threads of an Intel
// Xeon: 1.58 ms padded, 1.20 ms exact). It adds at most 15 row counts per thread count.
int64_t tail_call_rows(int64_t left) {
  if (left < kSmallRowsLimit) return left;
  return (left + kTailQuantum - 1) / kTailQuantum * kTailQuantum;
}
// Compiled kernels kept per weight matrix, least recently used evicted: room for every count
// above at one thread count (33) and the common ones at a second, so the steady state never
// compiles; the bound holds memory to 48 × ~50 KB per matrix whatever clients send.
constexpr size_t kKernelsPerLinear = 48;

// The oneDNN eltwise algorithm of an epilogue's activation; none for None and Accumulate. Both
// the fused post-op and the small-row path's separate eltwise use it, so they compute the same.
std::optional<dnnl::algorithm> activation_of(Epilogue epilogue) {
  switch (epilogue) {
    case Epilogue::Gelu:
      return dnnl::algorithm::eltwise_gelu_erf;
    case Epilogue::Tanh:
      return dnnl::algorithm::eltwise_tanh;
    case Epilogue::Relu:
      return dnnl::algorithm::eltwise_relu;
    case Epilogue::None:
    case Epilogue::Accumulate:
      break;
  }
  return std::nullopt;
}

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
  Precision precision = Precision::Float32;
  std::string kernel;                // oneDNN's implementation at kLayoutProbeRows rows (kernel())
  std::vector<float> weight_scales;  // Int8: [n], w_j of low_precision.hpp
  std::vector<int32_t> weight_sums;  // Int8: [n], S_j of low_precision.hpp
  std::vector<float> bias_values;    // Int8: [n], applied by our epilogue (empty: no bias)
  std::vector<float> input_scale;    // Int8 with smoothing: [k], 1 / c_k (empty: none)
  mutable std::vector<float>* observer = nullptr;  // observe_inputs()
  // 0: call oneDNN with the real row count (its kernel gives bit-identical rows for any count).
  // Otherwise always call it with exactly this many rows, padding the last block: for kernels
  // whose rounding depends on the row count (oneDNN's gemm, chosen below AVX-512).
  int64_t fixed_rows = 0;
  dnnl::memory::desc weights_desc;  // the prepacked layout
  dnnl::memory weights;             // [k, n] logical, prepacked
  dnnl::memory bias;                // [1, n]

  // fp32 calls under kSmallRowsLimit rows may run small_rows_matmul.hpp's kernel on the same
  // prepacked weight. Its bits are checked against oneDNN's on the first such call (synthetic
  // rows); it is used from then on only if they agree.
  enum SmallRows : int { kSmallUnusable, kSmallUnchecked, kSmallSame, kSmallDiffers };
  mutable std::atomic<int> small_rows{kSmallUnusable};
  // The activation of the epilogue, as oneDNN's own eltwise kernel (the bits of its fused
  // post-op) on kSmallRowsLimit rows; empty for None and Accumulate.
  std::optional<dnnl::eltwise_forward> small_rows_activation;
  dnnl::memory::desc small_rows_activation_desc;

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

  dt src_type() const {
    return precision == Precision::Int8       ? dt::u8
           : precision == Precision::BFloat16 ? dt::bf16
                                              : dt::f32;
  }
  // Int8 sums come out as int32 for our epilogue; the others write fp32 directly.
  dt dst_type() const { return precision == Precision::Int8 ? dt::s32 : dt::f32; }
  size_t src_element_bytes() const {
    return precision == Precision::Int8 ? 1 : precision == Precision::BFloat16 ? 2 : 4;
  }

  dnnl::primitive_attr attr() const {
    dnnl::primitive_attr a;
    a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    if (precision == Precision::Int8) return a;  // scales, bias and epilogue are ours
    dnnl::post_ops ops;
    if (const auto activation = activation_of(epilogue))
      ops.append_eltwise(1.f, *activation, 0.f, 0.f);
    else if (epilogue == Epilogue::Accumulate)
      ops.append_sum(1.f);
    a.set_post_ops(ops);
    return a;
  }

  dnnl::matmul::primitive_desc make_pd(int64_t m, const dnnl::memory::desc& wdesc) const {
    dnnl::memory::desc src({m, k}, src_type(), {k, 1});
    dnnl::memory::desc dst({m, n}, dst_type(), {n, 1});
    if (precision == Precision::Int8)
      return dnnl::matmul::primitive_desc(dnnl::matmul::desc(src, wdesc, dst), attr(), engine());
    dnnl::memory::desc bdesc({1, n}, dt::f32, tag::ab);
    return dnnl::matmul::primitive_desc(dnnl::matmul::desc(src, wdesc, bdesc, dst), attr(),
                                        engine());
  }

  // One oneDNN call on exactly `rows` rows of src_type() in, dst_type() out; the caller has set
  // the thread count.
  void run(const void* x, int64_t rows, void* y, int threads) const;
  // fp32 rows of a tail (< kBodyRows rows) through oneDNN, padded as tail_call_rows() says.
  void run_tail(const float* x, int64_t rows, float* y, int threads) const;
  // The small-rows kernel on `rows` < kSmallRowsLimit rows, activation included.
  void run_small(const float* x, int64_t rows, float* y, int threads) const;
  // A tail under kSmallRowsLimit rows: run_small once its bits are known to be oneDNN's (checked
  // on the first call), run_tail where the kernel does not apply or its bits differed.
  void run_small_checked(const float* x, int64_t rows, float* y, int threads) const;
  // fp32 in and out on `rows` rows through copies zero-padded to `padded_rows`.
  void run_padded(const float* x, int64_t rows, float* y, int64_t padded_rows, int threads) const;
  // The same when x (of src_type()) already holds `padded_rows` rows, the extra ones zero.
  void run_padded_dst(const void* x, int64_t rows, float* y, int64_t padded_rows,
                      int threads) const;
  // forward() for BFloat16 and Int8.
  void forward_reduced(const float* x, int64_t rows, float* y, int threads) const;

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

const char* to_string(Precision p) {
  switch (p) {
    case Precision::Float32:
      return "float32";
    case Precision::BFloat16:
      return "bf16";
    case Precision::Int8:
      return "int8";
  }
  return "float32";
}

Linear::Linear(const float* weight, const float* bias, int64_t out_features, int64_t in_features,
               Epilogue epilogue, Precision precision, const float* input_max)
    : impl_(std::make_unique<Impl>()) {
  if (out_features <= 0 || in_features <= 0) throw Error("Linear: empty weight");
  Impl& d = *impl_;
  d.n = out_features;
  d.k = in_features;
  d.epilogue = epilogue;
  d.precision = precision;
  const dt weight_type = precision == Precision::Int8 ? dt::s8 : d.src_type();
  const bool bf16 = precision == Precision::BFloat16;
  auto refuse = [&](const std::string& why) {
    return Error(std::string("dtype ") + to_string(precision) + " needs " +
                 (bf16 ? "AVX512-BF16 or AMX-BF16" : "AVX512-VNNI or AMX-INT8") +
                 " instructions, which oneDNN does not find on this CPU (" + why +
                 "); use dtype float32");
  };
  dnnl::matmul::primitive_desc probe;
  try {
    probe = d.make_pd(kLayoutProbeRows, dnnl::memory::desc({d.k, d.n}, weight_type, tag::any));
  } catch (const dnnl::error&) {
    if (precision == Precision::Float32) throw;
    throw refuse("it has no kernel at all for them");  // e.g. bf16 below AVX-512
  }
  d.weights_desc = probe.weights_desc();
  d.weights = dnnl::memory(d.weights_desc, engine());
  // oneDNN's "brgemm" kernels were measured to give every row the same bits whatever the row and
  // thread counts (tests/ops/linear_test.cpp checks it); other fp32 kernels are run on fixed row
  // blocks instead. Reduced precision runs on brgemm only, with the instructions named below.
  auto impl_name = [&](int64_t m) {
    return std::string(d.make_pd(m, d.weights_desc).impl_info_str());
  };
  d.kernel = impl_name(kLayoutProbeRows);
  auto is_brgemm = [](const std::string& impl) { return impl.rfind("brg", 0) == 0; };
  d.fixed_rows = is_brgemm(impl_name(1)) && is_brgemm(d.kernel) ? 0 : kFallbackBlockRows;
  if (precision != Precision::Float32) {
    const bool native = d.kernel.find("amx") != std::string::npos ||
                        d.kernel.find(bf16 ? "bf16" : "vnni") != std::string::npos;
    if (d.fixed_rows != 0 || !native) throw refuse("it would run '" + d.kernel + "'");
  }
  // HF stores [out, in] row-major: as the [in, out] matrix oneDNN wants, that is strides {1, in}.
  const dnnl::memory::dims plain_strides = {1, d.k};
  if (precision == Precision::Int8) {
    // Symmetric per-output-channel quantization (low_precision.hpp), of W · c when smoothed.
    const auto N = static_cast<size_t>(d.n), K = static_cast<size_t>(d.k);
    std::vector<int8_t> q(N * K);
    d.weight_scales.resize(N);
    std::vector<float> c;
    if (input_max) {
      c.resize(K);
      smoothing_factors(input_max, weight, N, K, c.data());
      d.input_scale.resize(K);
      for (size_t i = 0; i < K; ++i) d.input_scale[i] = 1.f / c[i];
    }
    quantize_rows_int8(weight, N, K, q.data(), d.weight_scales.data(),
                       c.empty() ? nullptr : c.data());
    d.weight_sums.assign(N, 0);
    for (size_t j = 0; j < N; ++j)
      for (size_t i = 0; i < K; ++i) d.weight_sums[j] += q[j * K + i];
    dnnl::memory src(dnnl::memory::desc({d.k, d.n}, dt::s8, plain_strides), engine(), q.data());
    dnnl::reorder(src, d.weights).execute(stream(), src, d.weights);
    if (bias) d.bias_values.assign(bias, bias + d.n);
    stream().wait();
    return;
  }
  // fp32, or bf16 by oneDNN's reorder (round to nearest even, as low_precision.hpp's to_bf16).
  dnnl::memory src(dnnl::memory::desc({d.k, d.n}, dt::f32, plain_strides), engine(),
                   const_cast<float*>(weight));
  dnnl::reorder(src, d.weights).execute(stream(), src, d.weights);
  d.bias = dnnl::memory(dnnl::memory::desc({1, d.n}, dt::f32, tag::ab), engine());
  auto* b = static_cast<float*>(d.bias.get_data_handle());
  if (bias)
    std::memcpy(b, bias, sizeof(float) * static_cast<size_t>(d.n));
  else
    std::memset(b, 0, sizeof(float) * static_cast<size_t>(d.n));
  stream().wait();
  if (precision == Precision::Float32 && d.fixed_rows == 0 && small_rows_kernel_built() &&
      small_rows_shape_supported(d.n, d.k) &&
      d.weights_desc == dnnl::memory::desc({d.k, d.n}, dt::f32, tag::BA16a64b)) {
    if (const auto activation = activation_of(epilogue)) {
      d.small_rows_activation_desc = dnnl::memory::desc({kSmallRowsLimit, d.n}, dt::f32, tag::ab);
      d.small_rows_activation.emplace(dnnl::eltwise_forward::primitive_desc(
          dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference, *activation,
                                      d.small_rows_activation_desc, 0.f, 0.f),
          engine()));
    }
    d.small_rows.store(Impl::kSmallUnchecked);
  }
}

namespace {

// The kernel a probe Linear of this precision runs, or nullopt with *why set to the
// constructor's refusal.
std::optional<std::string> probe_kernel(Precision precision, std::string* why) {
  // A BERT-like shape; the kernel chosen depends on the ISA and types, not on the size here.
  constexpr int64_t kSide = 256;
  const std::vector<float> zeros(static_cast<size_t>(kSide * kSide), 0.f);
  try {
    return Linear(zeros.data(), nullptr, kSide, kSide, Epilogue::None, precision).kernel();
  } catch (const Error& e) {
    *why = e.what();
    return std::nullopt;
  }
}

}  // namespace

std::string matmul_kernel_for(Precision precision) {
  std::string why;
  return probe_kernel(precision, &why).value_or(why);
}

bool has_native_kernel(Precision precision) {
  auto probe = [](Precision p) {
    std::string why;
    return probe_kernel(p, &why).has_value();
  };
  // One probe per precision, made on its first question only (auto asks about int8 alone).
  switch (precision) {
    case Precision::Float32:
      return true;
    case Precision::BFloat16: {
      static const bool native = probe(Precision::BFloat16);
      return native;
    }
    case Precision::Int8: {
      static const bool native = probe(Precision::Int8);
      return native;
    }
  }
  return false;
}

Linear::~Linear() = default;
Linear::Linear(Linear&&) noexcept = default;
Linear& Linear::operator=(Linear&&) noexcept = default;

int64_t Linear::in_features() const { return impl_->k; }
int64_t Linear::out_features() const { return impl_->n; }
const std::string& Linear::kernel() const { return impl_->kernel; }
void Linear::observe_inputs(std::vector<float>* column_max) const { impl_->observer = column_max; }
size_t Linear::weight_bytes() const { return impl_->weights_desc.get_size(); }
bool Linear::small_rows_kernel_in_use() const {
  return impl_->small_rows.load(std::memory_order_acquire) == Impl::kSmallSame;
}

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

void Linear::Impl::run(const void* x, int64_t rows, void* y, int threads) const {
  const Impl& d = *this;
  auto entry = d.get(rows, threads);
  const int64_t scratch_bytes = std::max<int64_t>(1, static_cast<int64_t>(entry->scratch_bytes));
  MemorySlot& slot = thread_slot(entry->id, dnnl::memory::desc({rows, d.k}, d.src_type(), {d.k, 1}),
                                 dnnl::memory::desc({rows, d.n}, d.dst_type(), {d.n, 1}),
                                 dnnl::memory::desc({scratch_bytes}, dt::u8, tag::a));
  slot.src.set_data_handle(const_cast<void*>(x));
  slot.dst.set_data_handle(y);
  slot.pad.set_data_handle(
      thread_scratch().reserve(static_cast<size_t>(scratch_bytes) / sizeof(float) + 1));
  // The C entry point takes the arguments as a plain array: no per-call map allocation.
  // Int8 has no oneDNN bias (ours is added in the epilogue): the last argument is left off.
  const dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, slot.src.get()},
                                  {DNNL_ARG_WEIGHTS, d.weights.get()},
                                  {DNNL_ARG_DST, slot.dst.get()},
                                  {DNNL_ARG_SCRATCHPAD, slot.pad.get()},
                                  {DNNL_ARG_BIAS, d.bias ? d.bias.get() : nullptr}};
  const int nargs = precision == Precision::Int8 ? 4 : 5;
  const dnnl_status_t status =
      dnnl_primitive_execute(entry->primitive.get(), stream().get(), nargs, args);
  if (status != dnnl_success)
    throw Error("oneDNN matmul failed with status " + std::to_string(status));
  stream().wait();
}

void Linear::Impl::run_tail(const float* x, int64_t rows, float* y, int threads) const {
  const int64_t call_rows = tail_call_rows(rows);
  if (call_rows == rows)
    run(x, rows, y, threads);
  else
    run_padded(x, rows, y, call_rows, threads);
}

void Linear::Impl::run_small(const float* x, int64_t rows, float* y, int threads) const {
  const auto* w = static_cast<const float*>(weights.get_data_handle());
  const auto* b = static_cast<const float*>(bias.get_data_handle());
  if (!small_rows_activation) {
    small_rows_matmul(x, rows, k, w, n, b, epilogue == Epilogue::Accumulate, y, threads);
    return;
  }
  // The activation runs on a buffer of its primitive's kSmallRowsLimit rows, the rest zero.
  thread_local tensor::AlignedBuffer buffer;
  float* a = buffer.reserve(static_cast<size_t>(kSmallRowsLimit * n));
  small_rows_matmul(x, rows, k, w, n, b, false, a, threads);
  std::memset(a + rows * n, 0, sizeof(float) * static_cast<size_t>((kSmallRowsLimit - rows) * n));
  dnnl::memory m(small_rows_activation_desc, engine(), a);
  small_rows_activation->execute(stream(), {{DNNL_ARG_SRC, m}, {DNNL_ARG_DST, m}});
  stream().wait();
  std::memcpy(y, a, sizeof(float) * static_cast<size_t>(rows * n));
}

void Linear::Impl::run_small_checked(const float* x, int64_t rows, float* y, int threads) const {
  const int state = small_rows.load(std::memory_order_acquire);
  if (state == kSmallUnusable || state == kSmallDiffers) {
    run_tail(x, rows, y, threads);
    return;
  }
  if (state == kSmallUnchecked) {
    // Both kernels on the same synthetic rows (and residual), before the real call: the real
    // rows may be too regular to tell two summation orders apart.
    const auto cells = static_cast<size_t>(rows * std::max(n, k));
    std::vector<float> probe_x(cells), theirs(cells), ours(cells);
    uint32_t seed = 0x9e3779b9u;
    auto next = [&seed] {
      seed = seed * 1664525u + 1013904223u;
      return static_cast<float>(seed >> 8) / 8388608.f - 1.f;  // in [-1, 1)
    };
    for (auto& v : probe_x) v = next();
    for (auto& v : theirs) v = next();
    ours = theirs;
    run_tail(probe_x.data(), rows, theirs.data(), threads);
    run_small(probe_x.data(), rows, ours.data(), threads);
    const bool same = std::memcmp(theirs.data(), ours.data(),
                                  sizeof(float) * static_cast<size_t>(rows * n)) == 0;
    small_rows.store(same ? kSmallSame : kSmallDiffers, std::memory_order_release);
    if (!same) {
      run_tail(x, rows, y, threads);
      return;
    }
  }
  run_small(x, rows, y, threads);
}

void Linear::Impl::run_padded(const float* x, int64_t rows, float* y, int64_t padded_rows,
                              int threads) const {
  // Zero input rows so the kernel sees `padded_rows`.
  thread_local tensor::AlignedBuffer xpad;
  float* xp = xpad.reserve(static_cast<size_t>(padded_rows * k));
  std::memcpy(xp, x, sizeof(float) * static_cast<size_t>(rows * k));
  std::memset(xp + rows * k, 0, sizeof(float) * static_cast<size_t>((padded_rows - rows) * k));
  run_padded_dst(xp, rows, y, padded_rows, threads);
}

void Linear::Impl::run_padded_dst(const void* x, int64_t rows, float* y, int64_t padded_rows,
                                  int threads) const {
  // The output through a copy of `padded_rows` rows; for Accumulate it holds the residual rows.
  thread_local tensor::AlignedBuffer ypad;
  float* yp = ypad.reserve(static_cast<size_t>(padded_rows * n));
  std::memset(yp, 0, sizeof(float) * static_cast<size_t>(padded_rows * n));
  if (epilogue == Epilogue::Accumulate)
    std::memcpy(yp, y, sizeof(float) * static_cast<size_t>(rows * n));
  run(x, padded_rows, yp, threads);
  std::memcpy(y, yp, sizeof(float) * static_cast<size_t>(rows * n));
}

void Linear::Impl::forward_reduced(const float* x, int64_t rows, float* y, int threads) const {
  // The same row counts per call as fp32's brgemm path in forward(): a body of kBodyRows
  // multiples, then a tail of tail_call_rows(). The converted activations are written
  // once into a buffer of the padded row count with zero rows at the end, so the tail needs no
  // copy of its input.
  const int64_t body = rows / kBodyRows * kBodyRows, left = rows - body;
  const int64_t tail = tail_call_rows(left);
  const int64_t padded = body + tail;
  const size_t elem = src_element_bytes();
  thread_local tensor::AlignedBuffer src_buffer, sums_buffer, scales_buffer;
  auto* xs = reinterpret_cast<char*>(
      src_buffer.reserve(static_cast<size_t>(padded * k) * elem / sizeof(float) + 1));
  std::memset(xs + rows * k * elem, 0, static_cast<size_t>((padded - rows) * k) * elem);
  const auto R = static_cast<size_t>(rows), K = static_cast<size_t>(k), N = static_cast<size_t>(n);
  if (precision == Precision::BFloat16) {
    convert_rows_to_bf16(x, R, K, reinterpret_cast<uint16_t*>(xs), threads);
    if (body > 0) run(xs, body, y, threads);
    if (left == 0) return;
    const char* xt = xs + body * k * static_cast<int64_t>(elem);
    if (tail == left)
      run(xt, left, y + body * n, threads);
    else
      run_padded_dst(xt, left, y + body * n, tail, threads);
    return;
  }
  thread_local tensor::AlignedBuffer zeros_buffer;
  float* row_scales = scales_buffer.reserve(R);
  auto* zero_points = reinterpret_cast<int32_t*>(zeros_buffer.reserve(R));
  quantize_rows_uint8(x, R, K, reinterpret_cast<uint8_t*>(xs), row_scales, zero_points, threads,
                      input_scale.empty() ? nullptr : input_scale.data());
  auto* sums = reinterpret_cast<int32_t*>(sums_buffer.reserve(static_cast<size_t>(padded) * N));
  if (body > 0) run(xs, body, sums, threads);
  if (tail > 0) run(xs + body * k, tail, sums + body * n, threads);
  dequantize_epilogue(sums, R, N, row_scales, zero_points,
                      {weight_scales.data(), weight_sums.data(),
                       bias_values.empty() ? nullptr : bias_values.data()},
                      epilogue, y, threads);
}

void Linear::forward(const float* x, int64_t rows, float* y, int threads) const {
  if (rows <= 0) return;
  const Impl& d = *impl_;
  ScopedThreadCount scoped(threads);
  if (d.precision != Precision::Float32) {
    d.forward_reduced(x, rows, y, threads);
    return;
  }
  if (d.observer) {
    auto& m = *d.observer;
    m.resize(static_cast<size_t>(d.k), 0.f);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < d.k; ++c) m[c] = std::max(m[c], std::fabs(x[r * d.k + c]));
  }
  if (d.fixed_rows == 0) {
    // brgemm: rows are bit-identical whatever the call's row count, so any split is exact.
    const int64_t body = rows / kBodyRows * kBodyRows;
    if (body > 0) d.run(x, body, y, threads);
    const int64_t left = rows - body;
    if (left == 0) return;
    if (left < kSmallRowsLimit)
      d.run_small_checked(x + body * d.k, left, y + body * d.n, threads);
    else
      d.run_tail(x + body * d.k, left, y + body * d.n, threads);
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

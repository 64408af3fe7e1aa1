// Encoder benchmarks on the real all-MiniLM-L6-v2 (fp32) and STS-B sentences:
//   BM_Throughput/threads/batch  forward() over STS-B dev sentences, sorted by length, batches
//                             of 32 (sentence-transformers' default) or 128 sentences; counters
//                             tokens/s, sentences/s, matmul GFLOP/s (matmul FLOPs / wall time).
//   BM_LongThroughput/threads 128 texts of ~200 tokens (joined STS-B sentences), batches of 32.
//   BM_ShortSentence/threads  latency of forward() on one short sentence.
//   BM_EncoderMatmul/shape    the encoder's own Linear (prepacked, fused epilogue) at the batch's
//                             row count, in GFLOP/s ...
//   BM_PlainDnnlMatmul/shape  ... and a plain oneDNN matmul on the same shape (weights prepacked,
//                             no post-ops): the peak the encoder's matmuls are compared against.
// Model directory: $SEMBED_MINILM_DIR or /root/.cache/sembed/models/all-MiniLM-L6-v2 (run
// scripts/fetch_default_model.sh). Sentences: $SEMBED_BENCH_SENTENCES (default 1000).
// Run:  build/bench/encoder_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "loader/model_directory.hpp"
#include "loader/weight_store.hpp"
#include "model/transformer_encoder.hpp"
#include "ops/cpu/linear.hpp"
#include "ops/cpu/parallel.hpp"
#include "tokenizer/tokenizer.hpp"

namespace {

using sembed::model::PackedBatch;

std::filesystem::path model_dir() {
  const char* env = std::getenv("SEMBED_MINILM_DIR");
  return env ? env : "/root/.cache/sembed/models/all-MiniLM-L6-v2";
}

size_t sentence_count() {
  const char* env = std::getenv("SEMBED_BENCH_SENTENCES");
  return env ? std::strtoul(env, nullptr, 10) : 1000;
}

// Both sentences of each STS-B dev pair (tab-separated, columns 6 and 7).
std::vector<std::string> sts_sentences(size_t limit) {
  const char* env = std::getenv("SEMBED_TEST_DATA");
  const std::string file =
      std::string(env ? env : SEMBED_TEST_DATA) + "/stsbenchmark/sts-dev.csv";
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file + " (set SEMBED_TEST_DATA)");
  std::vector<std::string> out;
  std::string line;
  while (out.size() < limit && std::getline(in, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    if (cols.size() >= 7) {
      out.push_back(cols[5]);
      if (out.size() < limit) out.push_back(cols[6]);
    }
  }
  return out;
}

struct Setup {
  sembed::loader::ModelDirectory dir;
  sembed::loader::WeightStore weights;
  std::unique_ptr<sembed::model::TransformerEncoder> encoder;
  std::vector<sembed::tokenizer::Encoding> encodings;   // sorted by length, longest first
  std::vector<sembed::tokenizer::Encoding> long_texts;  // ~200 tokens each, longest first
  std::vector<PackedBatch> batches;                     // length-sorted, 32 sentences each
  PackedBatch short_sentence;
  size_t tokens = 0, sentences = 0;
  double matmul_flops = 0;  // per pass over all batches

  Setup() {
    const auto path = model_dir();
    dir = sembed::loader::read_model_directory(path);
    weights = sembed::loader::WeightStore::open(path);
    encoder = std::make_unique<sembed::model::TransformerEncoder>(dir.encoder, weights);
    auto tok = sembed::tokenizer::Tokenizer::from_model_dir(path);
    sembed::tokenizer::EncodeOptions opt;
    opt.max_length = static_cast<size_t>(dir.max_seq_length);
    std::vector<sembed::tokenizer::Encoding> enc;
    for (const auto& s : sts_sentences(sentence_count())) enc.push_back(tok.encode(s, opt));
    std::stable_sort(enc.begin(), enc.end(),
                     [](const auto& a, const auto& b) { return a.size() > b.size(); });
    encodings = enc;
    // Long texts: consecutive STS-B sentences joined until ~200 tokens (truncated at
    // max_seq_length), 128 of them, as a document-embedding workload.
    {
      auto all = sts_sentences(4000);
      std::string text;
      for (const auto& sentence : all) {
        text += (text.empty() ? "" : " ") + sentence;
        if (text.size() > 1000) {
          long_texts.push_back(tok.encode(text, opt));
          text.clear();
          if (long_texts.size() == 128) break;
        }
      }
      std::stable_sort(long_texts.begin(), long_texts.end(),
                       [](const auto& a, const auto& b) { return a.size() > b.size(); });
    }
    batches = make_batches(32);
    for (const auto& b : batches) tokens += b.num_tokens();
    sentences = enc.size();
    auto e = tok.encode("A man is playing a guitar.", opt);
    short_sentence.ids = e.ids;
    short_sentence.type_ids = e.type_ids;
    short_sentence.seq_offsets = {0, e.ids.size()};
    const double H = dir.encoder.hidden_size, I = dir.encoder.intermediate_size;
    matmul_flops = 2.0 * tokens * dir.encoder.num_hidden_layers * (4 * H * H + 2 * H * I);
  }

  // Length-sorted batches of `size` sentences (the last one may be smaller).
  std::vector<PackedBatch> make_batches(size_t size, bool long_set = false) const {
    std::vector<PackedBatch> out;
    const auto& enc = long_set ? long_texts : encodings;
    for (size_t i = 0; i < enc.size(); i += size) {
      PackedBatch b;
      b.seq_offsets.push_back(0);
      for (size_t k = i; k < std::min(enc.size(), i + size); ++k) {
        b.ids.insert(b.ids.end(), enc[k].ids.begin(), enc[k].ids.end());
        b.type_ids.insert(b.type_ids.end(), enc[k].type_ids.begin(), enc[k].type_ids.end());
        b.seq_offsets.push_back(b.ids.size());
      }
      out.push_back(std::move(b));
    }
    return out;
  }
};

Setup& setup() {
  static Setup s;
  return s;
}

// Args: threads, sentences per batch.
void BM_Throughput(benchmark::State& state) {
  auto& s = setup();
  const int threads = static_cast<int>(state.range(0));
  const auto batches = s.make_batches(static_cast<size_t>(state.range(1)));
  sembed::model::EncoderOutput out;
  for (auto _ : state)
    for (const auto& b : batches) s.encoder->forward(b, out, false, threads);
  state.counters["tokens/s"] =
      benchmark::Counter(double(s.tokens), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["sentences/s"] =
      benchmark::Counter(double(s.sentences), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["matmul_GFLOP/s"] =
      benchmark::Counter(s.matmul_flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Throughput)
    ->ArgsProduct({{1, 2}, {32, 128}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_ShortSentence(benchmark::State& state) {
  auto& s = setup();
  const int threads = static_cast<int>(state.range(0));
  sembed::model::EncoderOutput out;
  for (auto _ : state) s.encoder->forward(s.short_sentence, out, false, threads);
  state.counters["tokens"] = double(s.short_sentence.num_tokens());
}
// Args: threads. The long-text set in batches of 32.
void BM_LongThroughput(benchmark::State& state) {
  auto& s = setup();
  const int threads = static_cast<int>(state.range(0));
  const auto batches = s.make_batches(32, /*long_set=*/true);
  size_t tokens = 0;
  for (const auto& b : batches) tokens += b.num_tokens();
  sembed::model::EncoderOutput out;
  for (auto _ : state)
    for (const auto& b : batches) s.encoder->forward(b, out, false, threads);
  state.counters["tokens/s"] =
      benchmark::Counter(double(tokens), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["texts/s"] = benchmark::Counter(double(s.long_texts.size()),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_LongThroughput)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK(BM_ShortSentence)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();

// The four Linear shapes of a BERT layer, as (out_features, in_features, epilogue).
struct Shape {
  const char* name;
  int64_t n, k;
  sembed::ops::cpu::Epilogue epilogue;
};

std::vector<Shape> shapes() {
  const auto& c = setup().dir.encoder;
  const int64_t H = c.hidden_size, I = c.intermediate_size;
  using E = sembed::ops::cpu::Epilogue;
  return {{"qkv", 3 * H, H, E::None},
          {"attn_out", H, H, E::Accumulate},
          {"ffn_in", I, H, E::Gelu},
          {"ffn_out", H, I, E::Accumulate}};
}

// Rows of a typical batch: the median batch of the throughput benchmark.
int64_t typical_rows() {
  auto& b = setup().batches;
  std::vector<size_t> t;
  for (auto& x : b) t.push_back(x.num_tokens());
  std::sort(t.begin(), t.end());
  return static_cast<int64_t>(t[t.size() / 2]);
}

// Args: shape index, threads, rows (0: the median batch's token count).
void BM_EncoderMatmul(benchmark::State& state) {
  const Shape sh = shapes()[state.range(0)];
  const int threads = static_cast<int>(state.range(1));
  const int64_t m = state.range(2) ? state.range(2) : typical_rows();
  std::vector<float> w(sh.n * sh.k, 0.01f), b(sh.n, 0.1f), x(m * sh.k, 0.5f), y(m * sh.n, 0.f);
  sembed::ops::cpu::Linear lin(w.data(), b.data(), sh.n, sh.k, sh.epilogue);
  for (auto _ : state) lin.forward(x.data(), m, y.data(), threads);
  state.SetLabel(std::string(sh.name) + " M=" + std::to_string(m) + " " +
                 lin.implementation(m, threads));
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * sh.n * sh.k / 1e9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_EncoderMatmul)
    ->ArgsProduct({{0, 1, 2, 3}, {1, 2}, {0, 9}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

void BM_PlainDnnlMatmul(benchmark::State& state) {
  using namespace dnnl;
  const Shape sh = shapes()[state.range(0)];
  const int threads = static_cast<int>(state.range(1));
  const int64_t m = state.range(2) ? state.range(2) : typical_rows();
  sembed::ops::cpu::ScopedThreadCount scoped(threads);
  engine eng(engine::kind::cpu, 0);
  stream st(eng);
  memory::desc a({m, sh.k}, memory::data_type::f32, memory::format_tag::ab);
  memory::desc wany({sh.k, sh.n}, memory::data_type::f32, memory::format_tag::any);
  memory::desc c({m, sh.n}, memory::data_type::f32, memory::format_tag::ab);
  matmul::primitive_desc pd(matmul::desc(a, wany, c), eng);
  memory am(a, eng), wm(pd.weights_desc(), eng), cm(c, eng);
  std::fill_n(static_cast<float*>(am.get_data_handle()), m * sh.k, 0.5f);
  std::fill_n(static_cast<float*>(wm.get_data_handle()), pd.weights_desc().get_size() / 4, 0.01f);
  matmul mm(pd);
  for (auto _ : state) {
    mm.execute(st, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, cm}});
    st.wait();
  }
  state.SetLabel(std::string(sh.name) + " M=" + std::to_string(m) + " " + pd.impl_info_str());
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * sh.n * sh.k / 1e9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_PlainDnnlMatmul)
    ->ArgsProduct({{0, 1, 2, 3}, {1, 2}, {0, 9}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

// Tokenizer throughput on every STS-B sentence (17,256 texts), one thread, truncation at the
// model's max_seq_length as sentence-transformers does. items/s = sentences per second.
// BM_StsbUnigramXlmr: the same on the Unigram test tokenizer (tests/tokenizer/unigram/).
// Compare with bench/tokenizer_hf_bench.py (Hugging Face tokenizers' encode_batch on the same
// sentences, RAYON_NUM_THREADS=1), which also runs this binary and prints both.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.hpp"

namespace {

using sembed::tokenizer::EncodeOptions;
using sembed::tokenizer::Tokenizer;

const std::vector<std::string>& sentences() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> out;
    for (const char* name : {"sts-train.csv", "sts-dev.csv", "sts-test.csv"}) {
      std::ifstream in(std::string(SEMBED_TEST_DATA) + "/stsbenchmark/" + name);
      std::string line;
      while (std::getline(in, line)) {
        std::vector<std::string> cols;
        std::stringstream ss(line);
        std::string col;
        while (std::getline(ss, col, '\t')) cols.push_back(col);
        if (cols.size() >= 7) {
          out.push_back(cols[5]);
          out.push_back(cols[6]);
        }
      }
    }
    return out;
  }();
  return all;
}

void run_dir(benchmark::State& state, const std::string& dir, size_t max_length) {
  const Tokenizer tok = Tokenizer::from_model_dir(dir);
  const auto& texts = sentences();
  size_t bytes = 0;
  for (const auto& t : texts) bytes += t.size();
  EncodeOptions options;
  options.max_length = max_length;
  for (auto _ : state) {
    size_t tokens = 0;
    for (const auto& t : texts) tokens += tok.encode(t, options).size();
    benchmark::DoNotOptimize(tokens);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * texts.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

void run(benchmark::State& state, const char* model, size_t max_length) {
  run_dir(state, std::string(SEMBED_TEST_DATA) + "/" + model, max_length);
}

void BM_StsbMiniLM(benchmark::State& state) { run(state, "all-MiniLM-L6-v2", 256); }
// Byte-level BPE (RoBERTa's pipeline) with the test tokenizer tests/tokenizer/bpe/roberta.
void BM_StsbRobertaBpe(benchmark::State& state) {
  run_dir(state, std::string(SEMBED_SOURCE_DIR) + "/tests/tokenizer/bpe/roberta", 128);
}
void BM_StsbNliVocabTxt(benchmark::State& state) { run(state, "bert-base-nli-mean-tokens", 128); }
// SentencePiece Unigram in XLM-R's layout (Precompiled nmt_nfkc, Strip, Replace, Metaspace),
// the trained test tokenizer of tests/tokenizer/unigram/.
void BM_StsbUnigramXlmr(benchmark::State& state) {
  run_dir(state, std::string(SEMBED_SOURCE_DIR) + "/tests/tokenizer/unigram/xlmr-nmt-nfkc", 256);
}

BENCHMARK(BM_StsbMiniLM)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_StsbNliVocabTxt)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_StsbRobertaBpe)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_StsbUnigramXlmr)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();

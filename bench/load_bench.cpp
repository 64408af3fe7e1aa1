// Loading a model directory: configs (read_model_directory) + weights (WeightStore::open, memory
// mapped) + the BERT tensor check, the work `sembed info` and Model::load do before building the
// encoder. Target: all-MiniLM-L6-v2 in at most 50 ms wall time.
//   build/bench/load_bench [--benchmark_repetitions=10]    (model: $SEMBED_MODEL or the default)
// Each iteration maps and unmaps the file again; pages stay in the page cache, as they would for
// a server restart or a second CLI call. The first, cold-cache load is not measured here.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <sembed/sembed.hpp>

#include "loader/encoder_tensor_names.hpp"
#include "loader/model_directory.hpp"
#include "loader/weight_store.hpp"

namespace {

std::filesystem::path model_dir() {
  static const std::filesystem::path dir = sembed::resolve_model_dir(std::nullopt);
  return dir;
}

void BM_LoadModelDirectory(benchmark::State& state) {
  std::filesystem::path dir;
  try {
    dir = model_dir();
  } catch (const sembed::Error& e) {
    state.SkipWithError(e.what());
    return;
  }
  size_t params = 0;
  for (auto _ : state) {
    const auto md = sembed::loader::read_model_directory(dir);
    const auto ws = sembed::loader::WeightStore::open(md.dir);
    const auto check = sembed::loader::check_encoder_tensors(md.encoder, ws);
    params = check.parameter_count;
    benchmark::DoNotOptimize(ws.find("embeddings.word_embeddings.weight"));
  }
  state.counters["parameters"] = static_cast<double>(params);
  state.SetLabel(dir.filename().string());
}
BENCHMARK(BM_LoadModelDirectory)->Unit(benchmark::kMillisecond)->UseRealTime();

// The weights alone, and touching every page once (what the first forward pass will pay).
void BM_OpenWeightsAndTouch(benchmark::State& state) {
  std::filesystem::path dir;
  try {
    dir = model_dir();
  } catch (const sembed::Error& e) {
    state.SkipWithError(e.what());
    return;
  }
  for (auto _ : state) {
    const auto ws = sembed::loader::WeightStore::open(dir);
    float sum = 0;
    for (const auto& [name, t] : ws.tensors())
      for (size_t i = 0; i < t.numel(); i += 1024) sum += t.data[i];
    benchmark::DoNotOptimize(sum);
  }
}
BENCHMARK(BM_OpenWeightsAndTouch)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

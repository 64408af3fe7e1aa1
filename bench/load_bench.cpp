// Loading a model directory, in three measures:
//   BM_ModelLoad            the whole of sembed::Model::load (configs, mapping, name check,
//                           tokenizer, prepacked weights): what a program or `sembed serve` waits
//                           for before its first encode. This is the figure to quote as "load
//                           time".
//   BM_LoadModelDirectory   configs (read_model_directory) + weights (WeightStore::open, memory
//                           mapped) + the BERT tensor check only: the work of `sembed info`.
//   BM_OpenWeightsAndTouch  the mapping alone, touching every page once.
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

// The model directory in dir, or the benchmark marked as skipped (no model installed).
bool model_dir_or_skip(benchmark::State& state, std::filesystem::path& dir) {
  try {
    dir = model_dir();
    return true;
  } catch (const sembed::Error& e) {
    state.SkipWithError(e.what());
    return false;
  }
}

void BM_LoadModelDirectory(benchmark::State& state) {
  std::filesystem::path dir;
  if (!model_dir_or_skip(state, dir)) return;
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

// The full Model::load with the options a CLI call uses (threads = 0: one per physical core).
void BM_ModelLoad(benchmark::State& state) {
  std::filesystem::path dir;
  if (!model_dir_or_skip(state, dir)) return;
  for (auto _ : state) {
    auto model = sembed::Model::load(dir);
    benchmark::DoNotOptimize(model.get());
  }
  state.SetLabel(dir.filename().string());
}
BENCHMARK(BM_ModelLoad)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();

// The weights alone, and touching every page once (what the first forward pass will pay).
void BM_OpenWeightsAndTouch(benchmark::State& state) {
  std::filesystem::path dir;
  if (!model_dir_or_skip(state, dir)) return;
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

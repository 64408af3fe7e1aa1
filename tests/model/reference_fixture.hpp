// Loads a reference written by scripts/make_tiny_bert_fixture.py or
// scripts/make_bert_base_random_reference.py (reference.json + config.json + model.safetensors)
// and runs the encoder on it, packed back to back as one batch.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "loader/model_directory.hpp"
#include "loader/weight_store.hpp"
#include "model/transformer_encoder.hpp"

namespace sembed::model::test {

struct Reference {
  std::vector<std::vector<int32_t>> ids, type_ids;
  std::vector<std::vector<float>> last_hidden_state;           // per token, packed
  std::vector<std::vector<float>> pooler_output, mean_pooled;  // per sequence
};

inline Reference read_reference(const std::filesystem::path& file) {
  std::ifstream in(file);
  nlohmann::json j = nlohmann::json::parse(in);
  Reference r;
  for (const auto& s : j["sequences"]) {
    r.ids.push_back(s["ids"].get<std::vector<int32_t>>());
    r.type_ids.push_back(s["type_ids"].get<std::vector<int32_t>>());
  }
  r.last_hidden_state = j["last_hidden_state"].get<std::vector<std::vector<float>>>();
  r.pooler_output = j["pooler_output"].get<std::vector<std::vector<float>>>();
  r.mean_pooled = j["mean_pooled"].get<std::vector<std::vector<float>>>();
  return r;
}

inline PackedBatch pack(const Reference& r, const std::vector<size_t>& which) {
  PackedBatch b;
  b.seq_offsets.push_back(0);
  for (size_t s : which) {
    b.ids.insert(b.ids.end(), r.ids[s].begin(), r.ids[s].end());
    b.type_ids.insert(b.type_ids.end(), r.type_ids[s].begin(), r.type_ids[s].end());
    b.seq_offsets.push_back(b.ids.size());
  }
  return b;
}

inline std::vector<size_t> all_sequences(const Reference& r) {
  std::vector<size_t> v(r.ids.size());
  for (size_t i = 0; i < v.size(); ++i) v[i] = i;
  return v;
}

struct Diffs {
  double hidden = 0, pooler = 0, mean = 0;
};

// Encodes every sequence of r in one packed batch and returns the max abs differences.
inline Diffs compare(const TransformerEncoder& enc, const Reference& r, int threads) {
  const size_t H = static_cast<size_t>(enc.hidden_size());
  PackedBatch b = pack(r, all_sequences(r));
  EncoderOutput out;
  enc.forward(b, out, /*want_pooler=*/true, threads);
  Diffs d;
  EXPECT_EQ(out.last_hidden_state.size(), r.last_hidden_state.size() * H);
  for (size_t t = 0; t < r.last_hidden_state.size(); ++t)
    for (size_t c = 0; c < H; ++c)
      d.hidden = std::max(
          d.hidden, double(std::abs(out.last_hidden_state[t * H + c] - r.last_hidden_state[t][c])));
  for (size_t s = 0; s < r.ids.size(); ++s) {
    std::vector<double> mean(H, 0.0);
    const size_t begin = b.seq_offsets[s], len = b.seq_offsets[s + 1] - begin;
    for (size_t t = begin; t < begin + len; ++t)
      for (size_t c = 0; c < H; ++c) mean[c] += out.last_hidden_state[t * H + c];
    for (size_t c = 0; c < H; ++c) {
      d.pooler = std::max(d.pooler,
                          double(std::abs(out.pooler_output[s * H + c] - r.pooler_output[s][c])));
      d.mean = std::max(d.mean, std::abs(mean[c] / double(len) - r.mean_pooled[s][c]));
    }
  }
  return d;
}

// The committed tiny random BERT (tests/fixtures/tiny-bert) with its encoder and reference,
// loaded once per test binary.
struct TinyBert {
  static inline const std::filesystem::path kDir =
      std::filesystem::path(SEMBED_SOURCE_DIR) / "tests/fixtures/tiny-bert";
  loader::ModelDirectory dir = loader::read_model_directory(kDir);
  loader::WeightStore weights = loader::WeightStore::open(kDir);
  TransformerEncoder encoder{dir.encoder, weights};
  Reference ref = read_reference(kDir / "reference.json");
};

inline const TinyBert& tiny() {
  static const TinyBert t;
  return t;
}

}  // namespace sembed::model::test

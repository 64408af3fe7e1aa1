// What the end-to-end parity tests share: the seed document's four sentences, the STS-B test set
// (tests/data/stsbenchmark), and the statistics they are judged by (cosine, Spearman with average
// ranks for ties, as scipy.stats.spearmanr computes it).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace sembed::testing {

// The four sentences of the seed document (calculating-similarity.md).
extern const std::vector<std::string> kSeedSentences;

struct StsTest {
  std::vector<std::string> sentences;  // pair i: sentences[2i], sentences[2i+1]
  std::vector<double> gold;            // pair i's gold score, 0..5
};
// The 1,379 pairs of sts-test.csv.
StsTest read_sts_test();

// Where scripts/fetch_mpnet_model.sh puts all-mpnet-base-v2 (its SEMBED_MODEL_HOME /
// XDG_CACHE_HOME / HOME rule).
std::filesystem::path mpnet_dir();

double cosine(const float* a, const float* b, size_t n);
float max_abs_diff(const float* a, const float* b, size_t n);
double spearman(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace sembed::testing

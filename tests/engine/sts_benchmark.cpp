#include "sts_benchmark.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <sstream>

namespace sembed::testing {

const std::vector<std::string> kSeedSentences = {
    "Today's consumers want options that help them take control of their financial lives on the "
    "go. CardValet from Fiserv is a mobile app that allows financial institutions to deliver the "
    "experiences consumers expect by enabling them to define when, where and how their cards are "
    "used.",
    "Consumer’s want options that let them take control of their financial lives on the go. "
    "CardValet from Fiserv is a mobile app that helps banks deliver consumer experiences by "
    "enabling them to define when, where and how their cards are used.",
    "CardValet from Fiserv is a mobile app that consumers expect them to enable their cards and "
    "define when their cards are used. CardValet can be used as A branded app that can be "
    "integrated via single sign-on with your mobile banking platform giving cardholders a seamless "
    "banking experience",
    "Standing on one's head at job interviews forms a lasting impression.",
};

StsTest read_sts_test() {
  std::ifstream in(std::string(SEMBED_TEST_DATA) + "/stsbenchmark/sts-test.csv");
  StsTest sts;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    sts.gold.push_back(std::stod(cols.at(4)));
    sts.sentences.push_back(cols.at(5));
    sts.sentences.push_back(cols.at(6));
  }
  return sts;
}

double cosine(const float* a, const float* b, size_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t j = 0; j < n; ++j) {
    ab += double(a[j]) * b[j];
    aa += double(a[j]) * a[j];
    bb += double(b[j]) * b[j];
  }
  return ab / std::sqrt(aa * bb);
}

float max_abs_diff(const float* a, const float* b, size_t n) {
  float worst = 0;
  for (size_t j = 0; j < n; ++j) worst = std::max(worst, std::fabs(a[j] - b[j]));
  return worst;
}

namespace {
std::vector<double> average_ranks(const std::vector<double>& v) {
  std::vector<size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> ranks(v.size());
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
    for (size_t k = i; k <= j; ++k) ranks[idx[k]] = (i + j) / 2.0 + 1;
    i = j + 1;
  }
  return ranks;
}
}  // namespace

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  const auto rx = average_ranks(x), ry = average_ranks(y);
  const double mx = std::accumulate(rx.begin(), rx.end(), 0.0) / rx.size();
  const double my = std::accumulate(ry.begin(), ry.end(), 0.0) / ry.size();
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < rx.size(); ++i) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - my) * (ry[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}

std::filesystem::path mpnet_dir() {
  const char* home = std::getenv("SEMBED_MODEL_HOME");
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* user = std::getenv("HOME");
  const std::filesystem::path base =
      home ? std::filesystem::path(home)
           : (xdg ? std::filesystem::path(xdg)
                  : std::filesystem::path(user ? user : "/root") / ".cache") /
                 "sembed/models";
  return base / "all-mpnet-base-v2";
}

}  // namespace sembed::testing

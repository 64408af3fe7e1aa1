// MPNet's relative-position buckets against transformers' MPNetEncoder.relative_position_bucket
// for every relative position in [-600, 600] (golden from scripts/make_family_fixtures.py).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "model/relative_position.hpp"

namespace sembed::model {
namespace {

TEST(RelativePosition, BucketsMatchTransformers) {
  std::ifstream in(std::string(SEMBED_SOURCE_DIR) + "/tests/golden/mpnet_relative_buckets.json");
  const auto j = nlohmann::json::parse(in);
  const int first = j["first"].get<int>();
  const auto buckets = j["buckets"].get<std::vector<int>>();
  ASSERT_GT(buckets.size(), 1000u);
  for (size_t i = 0; i < buckets.size(); ++i) {
    const int rel = first + static_cast<int>(i);
    EXPECT_EQ(relative_position_bucket(rel, 32, 128), buckets[i]) << "relative position " << rel;
  }
}

}  // namespace
}  // namespace sembed::model

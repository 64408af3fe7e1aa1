// Every Model entry point called at once from several threads on one loaded model (the
// thread-safety promise of include/sembed/sembed.hpp): encode, encode_ids, encode_tokens and
// tokenize each return exactly what the same call returns alone. Run under ThreadSanitizer by
// scripts/check_thread_safety.sh; SEMBED_TEST_THREADS sets the encoder's threads per call.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sembed/sembed.hpp>
#include <string>
#include <thread>
#include <vector>

namespace sembed {
namespace {

std::shared_ptr<const Model> load_default() {
  LoadOptions options;
  if (const char* t = std::getenv("SEMBED_TEST_THREADS")) options.threads = std::atoi(t);
  return Model::load(resolve_model_dir(std::nullopt), options);
}

const std::vector<std::string> kTexts = {"A man is eating food.",
                                         "A man is eating a piece of bread.",
                                         "The girl is carrying a baby.",
                                         "Un avión está despegando. 東京 naïve café",
                                         "",
                                         "A man is riding a horse on the beach."};

TEST(ConcurrentEntryPoints, EveryEntryPointAtOnceGivesTheSingleThreadResult) {
  const auto model = load_default();
  std::vector<std::vector<int32_t>> ids;
  for (const auto& t : kTexts) ids.push_back(model->tokenize(t).ids);
  const Matrix want_encode = model->encode(kTexts);
  const Matrix want_ids = model->encode_ids(ids);
  const std::vector<Matrix> want_tokens = model->encode_tokens(kTexts);
  std::vector<std::vector<int32_t>> want_tokenize = ids;

  constexpr int kRounds = 3;
  std::vector<std::string> failures(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        switch (t % 4) {
          case 0:
            if (model->encode(kTexts).data != want_encode.data) failures[t] = "encode";
            break;
          case 1:
            if (model->encode_ids(ids).data != want_ids.data) failures[t] = "encode_ids";
            break;
          case 2: {
            const auto got = model->encode_tokens(kTexts);
            for (size_t i = 0; i < got.size(); ++i)
              if (got[i].data != want_tokens[i].data) failures[t] = "encode_tokens";
            break;
          }
          default:
            for (size_t i = 0; i < kTexts.size(); ++i)
              if (model->tokenize(kTexts[i]).ids != want_tokenize[i]) failures[t] = "tokenize";
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
}

}  // namespace
}  // namespace sembed

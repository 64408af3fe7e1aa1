// One long text through a model, in a process of its own: the peak resident memory the forward
// adds over the loaded model, and its wall time. Drives bench/long_inputs.py (the 512 / 2,048 /
// 8,192-token table of docs/models.md); runnable alone:
//   build/bench/long_input_bench DIR TOKENS [REPEATS] [THREADS]
// The text is words from a fixed list, at least TOKENS tokens long, truncated to exactly TOKENS
// (max_length). Peak memory: /proc/self/status VmHWM after the first encode, with the peak reset
// (clear_refs 5) just before it, minus VmRSS at that point; it includes every buffer the forward
// allocates. Prints one JSON line, with the text's embedding (to compare with the peer's).
#include <sembed/sembed.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {

// A /proc/self/status field in MiB.
double status_mib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string key = std::string(field) + ":";
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return std::atof(line.c_str() + key.size()) / 1024.0;
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL_DIR TOKENS [REPEATS] [THREADS]\n", argv[0]);
    return 2;
  }
  const size_t tokens = std::strtoul(argv[2], nullptr, 10);
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 3;
  const int threads = argc > 4 ? std::atoi(argv[4]) : 0;
  try {
    auto model = sembed::Model::load(argv[1], sembed::LoadOptions{threads});
    static const char* kWords[] = {"the", "quick", "brown", "fox", "jumps", "over", "a", "lazy",
                                   "dog", "while", "music", "plays", "in", "the", "park", "today"};
    std::string text;
    for (size_t i = 0; i < tokens; ++i) text += std::string(i ? " " : "") + kWords[i % 16];
    sembed::EncodeOptions opt;
    opt.max_length = tokens;
    const size_t got = model->tokenize(text, opt.max_length).ids.size();
    if (got != tokens) {
      std::fprintf(stderr, "text has %zu tokens, wanted %zu\n", got, tokens);
      return 1;
    }
    const double rss_before = status_mib("VmRSS");
    std::ofstream("/proc/self/clear_refs") << "5";  // reset VmHWM to the current RSS
    std::vector<double> seconds;
    sembed::Matrix embedding;
    for (int r = 0; r < 1 + repeats; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      embedding = model->encode({text}, opt);
      seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    const double peak = status_mib("VmHWM");
    std::vector<double> timed(seconds.begin() + 1, seconds.end());
    std::sort(timed.begin(), timed.end());
    const double median = timed.empty() ? seconds[0] : timed[timed.size() / 2];
    std::string values;
    for (size_t j = 0; j < embedding.cols; ++j) {
      char number[32];
      std::snprintf(number, sizeof number, "%s%.9g", j ? ", " : "", embedding.at(0, j));
      values += number;
    }
    std::printf("{\"tokens\": %zu, \"rss_loaded_mib\": %.1f, \"peak_growth_mib\": %.1f, "
                "\"first_s\": %.4f, \"median_s\": %.4f, \"repeats\": %d, \"embedding\": [%s]}\n",
                tokens, rss_before, peak - rss_before, seconds[0], median, repeats, values.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}

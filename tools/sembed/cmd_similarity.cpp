// sembed similarity: scores between texts. By default the first text against each of the others,
// labelled, then the row as the seed document prints it; --matrix gives every pair.
#include "sembed/cli_common.hpp"
#include "sembed/commands.hpp"
#include "server/similarity_page.hpp"

namespace sembed::cli {
namespace {

struct SimilarityCommand {
  ModelOptions model;
  PromptOptions prompts;
  LongTextOptions long_text;
  std::vector<std::string> texts;
  bool matrix = false;
  std::string metric = "cosine";
  bool json = false;
  std::string html;  // --html FILE: the heatmap page of the matrix

  void print_json(const Matrix& scores, size_t row_offset) const {
    std::printf("{\"metric\":\"%s\",\"first_row\":%zu,\"scores\":[", metric.c_str(), row_offset);
    for (size_t i = 0; i < scores.rows; ++i) {
      std::printf(i ? ",[" : "[");
      for (size_t j = 0; j < scores.cols; ++j)
        std::printf("%s%s", j ? "," : "", format_float(scores.at(i, j)).c_str());
      std::printf("]");
    }
    std::printf("]}\n");
  }

  void run() const {
    const SimilarityMetric m = parse_similarity_metric(metric);
    const auto inputs = read_texts(texts);
    if (inputs.size() < 2) throw Error("similarity needs at least two texts");
    if (!html.empty() && !matrix)
      throw Error("--html draws the matrix of every pair: give --matrix too");
    const auto loaded = model.load();
    EncodeOptions options;
    prompts.apply(options);
    long_text.apply(options);
    const Matrix embeddings = loaded->encode(inputs, options);
    Matrix first(1, embeddings.cols), rest(embeddings.rows - 1, embeddings.cols);
    std::copy(embeddings.row(0), embeddings.row(1), first.data.begin());
    std::copy(embeddings.row(1), embeddings.row(0) + embeddings.data.size(), rest.data.begin());
    const Matrix scores =
        matrix ? similarity(embeddings, embeddings, m) : similarity(first, rest, m);
    if (!html.empty()) {
      OutputFile out(html);
      const std::string page = server::similarity_page_with_scores(
          inputs, scores, metric, loaded->info().dir.filename().string());
      std::fwrite(page.data(), 1, page.size(), out.stream());
      out.commit();
      std::fprintf(stderr, "sembed similarity: wrote %s (%zu x %zu %s scores)\n", html.c_str(),
                   scores.rows, scores.cols, metric.c_str());
      return;
    }
    if (json) {
      print_json(scores, 0);
    } else if (matrix) {
      std::printf("%s similarity, every pair (row i, column j = text i vs text j)\n",
                  metric.c_str());
      for (size_t i = 0; i < scores.rows; ++i) {
        std::printf("%zu:", i);
        for (size_t j = 0; j < scores.cols; ++j)
          std::printf(" %s", format_float(scores.at(i, j)).c_str());
        std::printf("\n");
      }
    } else {
      for (size_t j = 0; j < scores.cols; ++j)
        std::printf("text 0 vs text %zu: %s\n", j + 1, format_float(scores.at(0, j)).c_str());
      std::printf("[[");
      for (size_t j = 0; j < scores.cols; ++j)
        std::printf("%s%s", j ? ", " : "", format_float(scores.at(0, j)).c_str());
      std::printf("]]\n");
    }
    if (std::fflush(stdout) != 0) throw Error("cannot write standard output");
  }
};

}  // namespace

void register_similarity(CLI::App& app) {
  auto state = std::make_shared<SimilarityCommand>();
  auto& c = *state;
  CLI::App* cmd = app.add_subcommand(
      "similarity", "Similarity of the first text to each other text (or of every pair)");
  c.model.add_to(*cmd);
  c.prompts.add_to(*cmd, "every text");
  c.long_text.add_to(*cmd, "a text");
  cmd->add_option("texts", c.texts, "Texts (default: one per line on standard input)");
  cmd->add_flag("--matrix", c.matrix,
                "Score every pair instead of the first text against the rest");
  cmd->add_option("--metric", c.metric, "cosine, dot, euclidean or manhattan (distances negated)")
      ->capture_default_str();
  cmd->add_flag("--json", c.json, "Print the scores as JSON");
  cmd->add_option("--html", c.html,
                  "With --matrix: write the scores as a self-contained heatmap page to FILE");
  cmd->callback([state] { state->run(); });
}

}  // namespace sembed::cli

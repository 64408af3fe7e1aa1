// sembed search: the top-k lines of a corpus file for each query (util.semantic_search semantics).
#include <cerrno>
#include <cstring>

#include "sembed/cli_common.hpp"
#include "sembed/commands.hpp"

namespace sembed::cli {
namespace {

struct SearchCommand {
  ModelOptions model;
  PromptOptions prompts;
  LongTextOptions long_text;
  std::string corpus_path;
  std::vector<std::string> queries;
  size_t top_k = 5;
  std::string metric = "cosine";
  bool json = false;
  bool quiet = false;

  void run() const {
    const SimilarityMetric m = parse_similarity_metric(metric);
    std::FILE* file = std::fopen(corpus_path.c_str(), "rb");
    if (!file) throw Error("cannot read corpus " + corpus_path + ": " + std::strerror(errno));
    std::vector<std::string> corpus;
    try {
      corpus = read_lines(file, corpus_path);
    } catch (...) {
      std::fclose(file);
      throw;
    }
    std::fclose(file);
    if (corpus.empty()) throw Error("corpus " + corpus_path + " has no lines");
    const auto query_texts = read_texts(queries);
    if (query_texts.empty()) throw Error("no query given");

    const auto loaded = model.load();
    EncodeOptions options;
    options.progress = progress_bar(quiet);
    long_text.apply(options);
    const Matrix corpus_embeddings = loaded->encode(corpus, options);
    // The corpus gets the model's default prompt (if any), as encode() does; the prompt
    // options choose the queries' prompt (e.g. --prompt-name query).
    EncodeOptions query_options;
    prompts.apply(query_options);
    long_text.apply(query_options);
    const Matrix query_embeddings = loaded->encode(query_texts, query_options);
    const auto results = semantic_search(query_embeddings, corpus_embeddings, top_k, m);

    for (size_t q = 0; q < results.size(); ++q) {
      if (json) {
        std::printf("{\"query\":%zu,\"hits\":[", q);
        for (size_t r = 0; r < results[q].size(); ++r)
          std::printf("%s{\"corpus_id\":%zu,\"score\":%s}", r ? "," : "", results[q][r].corpus_id,
                      format_float(results[q][r].score).c_str());
        std::printf("]}\n");
        continue;
      }
      std::printf("query %zu: %s\n", q, query_texts[q].c_str());
      for (size_t r = 0; r < results[q].size(); ++r) {
        const auto& hit = results[q][r];
        std::printf("  %zu. %s  [line %zu] %s\n", r + 1, format_float(hit.score).c_str(),
                    hit.corpus_id + 1, corpus[hit.corpus_id].c_str());
      }
    }
    if (std::fflush(stdout) != 0) throw Error("cannot write standard output");
  }
};

}  // namespace

void register_search(CLI::App& app) {
  auto state = std::make_shared<SearchCommand>();
  auto& c = *state;
  CLI::App* cmd =
      app.add_subcommand("search", "Top-k semantic search of queries over a corpus file");
  c.model.add_to(*cmd);
  c.prompts.add_to(*cmd, "the queries");
  c.long_text.add_to(*cmd, "a document or query");
  cmd->add_option("--corpus", c.corpus_path, "Corpus file, one document per line")->required();
  cmd->add_option("queries", c.queries, "Queries (default: one per line on standard input)");
  cmd->add_option("--top-k,-k", c.top_k, "Hits per query")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--metric", c.metric, "cosine, dot, euclidean or manhattan")
      ->capture_default_str();
  cmd->add_flag("--json", c.json, "One JSON object per query (corpus_id is the 0-based line)");
  cmd->add_flag("--quiet,-q", c.quiet, "No progress bar");
  cmd->callback([state] { state->run(); });
}

}  // namespace sembed::cli

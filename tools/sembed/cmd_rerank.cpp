// sembed rerank and sembed predict: a cross-encoder's scores (sentence-transformers'
// CrossEncoder.rank and CrossEncoder.predict).
#include <sembed/cross_encoder.hpp>

#include "sembed/cli_common.hpp"
#include "sembed/commands.hpp"

namespace sembed::cli {
namespace {

// The options both commands share.
struct ScoreOptions {
  ModelOptions model;
  size_t max_length = 0;  // 0: the model's max_seq_length
  bool raw_scores = false;
  bool json = false;
  bool quiet = false;

  void add_to(CLI::App& cmd) {
    model.add_to(cmd, /*cross_encoder=*/true);
    cmd.add_option("--max-length", max_length,
                   "Tokens per pair, specials included; longer pairs are cut longest_first "
                   "(default: the model's max_seq_length)")
        ->check(CLI::PositiveNumber);
    cmd.add_flag("--raw-scores", raw_scores,
                 "Logits, without the model's activation (Sigmoid for one-label models)");
    cmd.add_flag("--json", json, "One JSON object per line");
    cmd.add_flag("--quiet,-q", quiet, "No progress bar");
  }
  PredictOptions predict_options() const {
    PredictOptions o;
    if (max_length) o.max_length = max_length;
    o.apply_activation = !raw_scores;
    o.progress = progress_bar(quiet);
    return o;
  }
};

std::string json_string(const std::string& s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

struct RerankCommand {
  ScoreOptions scoring;
  std::string query;
  std::vector<std::string> documents;
  size_t top_k = 0;
  bool return_text = false;

  void run() const {
    require_valid_text(query, "the query");
    const auto docs = read_texts(documents);
    const auto ce = scoring.model.load_cross_encoder();
    const auto ranked = ce->rank(query, docs, top_k ? std::optional<size_t>(top_k) : std::nullopt,
                                 scoring.predict_options());
    for (size_t r = 0; r < ranked.size(); ++r) {
      const auto& hit = ranked[r];
      if (scoring.json) {
        std::printf("{\"corpus_id\":%zu,\"score\":%s%s}\n", hit.corpus_id,
                    format_float(hit.score).c_str(),
                    return_text ? (",\"text\":" + json_string(docs[hit.corpus_id])).c_str() : "");
      } else {
        std::printf("%zu. %s  [document %zu] %s\n", r + 1, format_float(hit.score).c_str(),
                    hit.corpus_id, docs[hit.corpus_id].c_str());
      }
    }
    if (std::fflush(stdout) != 0) throw Error("cannot write standard output");
  }
};

struct PredictCommand {
  ScoreOptions scoring;
  std::vector<std::string> texts;
  bool softmax = false;

  // Arguments A1 B1 A2 B2 ..., or else one "A<TAB>B" pair per line of standard input.
  std::vector<std::pair<std::string, std::string>> read_pairs() const {
    std::vector<std::pair<std::string, std::string>> pairs;
    if (!texts.empty()) {
      if (texts.size() % 2 != 0)
        throw Error("predict takes pairs: an even number of texts (A1 B1 A2 B2 ...), got " +
                    std::to_string(texts.size()));
      const auto checked = read_texts(texts);
      for (size_t i = 0; i < checked.size(); i += 2) pairs.emplace_back(checked[i], checked[i + 1]);
      return pairs;
    }
    const auto lines = read_lines(stdin, "standard input");
    for (size_t i = 0; i < lines.size(); ++i) {
      const auto tab = lines[i].find('\t');
      if (tab == std::string::npos || lines[i].find('\t', tab + 1) != std::string::npos)
        throw Error("standard input line " + std::to_string(i + 1) +
                    ": expected two texts separated by one tab");
      pairs.emplace_back(lines[i].substr(0, tab), lines[i].substr(tab + 1));
    }
    return pairs;
  }

  void run() const {
    const auto pairs = read_pairs();
    const auto ce = scoring.model.load_cross_encoder();
    PredictOptions options = scoring.predict_options();
    options.apply_softmax = softmax;
    const Matrix scores = ce->predict(pairs, options);
    const auto& labels = ce->info().labels;
    for (size_t i = 0; i < scores.rows; ++i) {
      std::string values;
      size_t best = 0;
      for (size_t j = 0; j < scores.cols; ++j) {
        if (j) values += scoring.json ? ',' : ' ';
        values += format_float(scores.at(i, j));
        if (scores.at(i, j) > scores.at(i, best)) best = j;
      }
      if (!scoring.json) {
        std::printf("%s\n", values.c_str());
      } else if (scores.cols == 1) {
        std::printf("{\"pair\":%zu,\"score\":%s}\n", i, values.c_str());
      } else {
        std::printf("{\"pair\":%zu,\"scores\":[%s],\"label\":%s}\n", i, values.c_str(),
                    json_string(labels[best]).c_str());
      }
    }
    if (std::fflush(stdout) != 0) throw Error("cannot write standard output");
  }
};

}  // namespace

void register_rerank(CLI::App& app) {
  auto state = std::make_shared<RerankCommand>();
  auto& c = *state;
  CLI::App* cmd = app.add_subcommand(
      "rerank",
      "Rank documents against a query with a cross-encoder (CrossEncoder.rank), best first");
  c.scoring.add_to(*cmd);
  cmd->add_option("query", c.query, "The query")->required();
  cmd->add_option("documents", c.documents,
                  "Documents (default: one per line on standard input)");
  cmd->add_option("--top-k,-k", c.top_k, "Only the best K (default: all)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--return-text", c.return_text, "With --json: include each document's text");
  cmd->callback([state] { state->run(); });
}

void register_predict(CLI::App& app) {
  auto state = std::make_shared<PredictCommand>();
  auto& c = *state;
  CLI::App* cmd = app.add_subcommand(
      "predict",
      "A cross-encoder's scores for text pairs (CrossEncoder.predict), one line per pair");
  c.scoring.add_to(*cmd);
  cmd->add_option("texts", c.texts,
                  "Pairs as A1 B1 A2 B2 ... (default: one 'A<TAB>B' pair per line on standard "
                  "input)");
  cmd->add_flag("--softmax", c.softmax, "Softmax over each pair's labels (multi-label models)");
  cmd->callback([state] { state->run(); });
}

}  // namespace sembed::cli

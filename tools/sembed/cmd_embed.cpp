// sembed embed: sentence (or token) embeddings of texts given as arguments or on standard input.
#include "sembed/cli_common.hpp"
#include "sembed/commands.hpp"
#include "sembed/embed_writers.hpp"

namespace sembed::cli {
namespace {

struct EmbedCommand {
  ModelOptions model;
  PromptOptions prompts;
  std::vector<std::string> texts;
  std::string format = "jsonl";
  std::string output;
  size_t batch_size = 32;
  size_t max_length = 0;
  std::string output_value = "sentence";
  bool normalize = false;
  bool no_normalize = false;
  std::string pooling;
  bool no_truncate = false;
  bool quiet = false;

  void run() const {
    const EmbedFormat fmt = parse_embed_format(format);
    if (output_value != "sentence" && output_value != "token")
      throw Error("--output-value must be 'sentence' or 'token', not '" + output_value + "'");
    if (output_value == "token" && fmt == EmbedFormat::Npy)
      throw Error(
          "--format npy holds one matrix; token embeddings differ in length per text "
          "(use jsonl, json or csv with --output-value token)");
    const auto inputs = read_texts(texts);
    const auto loaded = model.load();
    EncodeOptions options;
    options.batch_size = batch_size;
    if (max_length) options.max_length = max_length;
    options.truncate = !no_truncate;
    if (normalize && no_normalize)
      throw Error("--normalize and --no-normalize contradict each other");
    if (normalize || no_normalize) options.normalize = normalize;
    if (!pooling.empty()) options.pooling = parse_pooling_mode(pooling);
    options.progress = progress_bar(quiet);
    prompts.apply(options);

    // Encode fully before opening the output so that a failure leaves no file behind.
    if (output_value == "token") {
      const auto per_text = loaded->encode_tokens(inputs, options);
      OutputFile out(output);
      write_token_embeddings(out.stream(), fmt, per_text);
      out.commit();
    } else {
      const Matrix embeddings = loaded->encode(inputs, options);
      OutputFile out(output);
      write_sentence_embeddings(out.stream(), fmt, embeddings);
      out.commit();
    }
  }
};

}  // namespace

void register_embed(CLI::App& app) {
  auto cmd_state = std::make_shared<EmbedCommand>();
  auto& c = *cmd_state;
  CLI::App* cmd = app.add_subcommand(
      "embed", "Sentence embeddings of TEXT arguments, or of each line of standard input");
  c.model.add_to(*cmd);
  c.prompts.add_to(*cmd, "every text");
  cmd->add_option("texts", c.texts, "Texts to embed (default: one per line on standard input)");
  cmd->add_option("--format,-f", c.format, "Output format: jsonl, json, csv or npy")
      ->capture_default_str();
  cmd->add_option("--output,-o", c.output, "Write to FILE instead of standard output");
  cmd->add_option("--batch-size", c.batch_size,
                  "Texts per forward pass (results do not depend on it)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option(
      "--max-length", c.max_length,
      "Maximum tokens per text incl. [CLS]/[SEP] (default: the model's max_seq_length)");
  cmd->add_option("--output-value", c.output_value,
                  "sentence: one pooled vector per text; token: last_hidden_state per token")
      ->capture_default_str();
  // Two plain flags: CLI11 2.1 assigns an optional<bool> flag even when it is absent.
  cmd->add_flag("--normalize", c.normalize,
                "L2-normalize the embeddings (default: as the model's Normalize module says)");
  cmd->add_flag("--no-normalize", c.no_normalize, "Do not L2-normalize the embeddings");
  cmd->add_option("--pooling", c.pooling,
                  "Pooling: mean, cls, max, mean_sqrt_len_tokens, weightedmean, lasttoken "
                  "(default: the model's 1_Pooling/config.json)");
  cmd->add_flag("--no-truncate", c.no_truncate,
                "Fail on a text longer than --max-length instead of truncating it");
  cmd->add_flag("--quiet,-q", c.quiet, "No progress bar");
  cmd->callback([cmd_state] { cmd_state->run(); });
}

}  // namespace sembed::cli

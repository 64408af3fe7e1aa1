// sembed embed: sentence (or token) embeddings of texts given as arguments or on standard input.
#include <map>

#include "sembed/cli_common.hpp"
#include "sembed/commands.hpp"
#include "sembed/embed_disk_cache.hpp"
#include "sembed/embed_writers.hpp"

namespace sembed::cli {
namespace {

struct EmbedCommand {
  ModelOptions model;
  PromptOptions prompts;
  LongTextOptions long_text;
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
  std::string cache_dir;

  // encode(), with the rows of token sequences embedded before read from and added to the disk
  // cache: only the others are encoded.
  Matrix encode_with_cache(const Model& m, const std::vector<std::string>& inputs,
                           const EncodeOptions& options) const {
    const std::string description = describe_for_cache(
        m.info().dir,
        "pooling=" + pooling + " normalize=" + (normalize ? "true" : no_normalize ? "false" : "model"),
        m.dimension());
    DiskEmbeddingCache cache(cache_dir, description, m.dimension());
    const std::string prompt = m.resolve_prompt(options);
    const size_t prompt_tokens = m.prompt_length(prompt, options);
    Matrix out(inputs.size(), m.dimension());
    std::vector<std::vector<int32_t>> miss_ids;  // each distinct new sequence once
    std::vector<size_t> missing;                 // per input not in the cache: its miss_ids slot
    std::vector<size_t> missing_input;
    std::map<std::vector<int32_t>, size_t> slot_of;
    for (size_t i = 0; i < inputs.size(); ++i) {
      std::vector<int32_t> ids;
      try {
        ids = m.tokenize(prompt + inputs[i], options.max_length, options.truncate).ids;
      } catch (const Error& e) {
        // Model::tokenize names its one text "input 0"; name this one.
        std::string what = e.what();
        if (what.rfind("input 0: ", 0) == 0) what = what.substr(9);
        throw Error("input " + std::to_string(i) + ": " + what);
      }
      if (!cache.lookup(ids, prompt_tokens, out.row(i))) {
        const auto [it, is_new] = slot_of.emplace(ids, miss_ids.size());
        if (is_new) miss_ids.push_back(std::move(ids));
        missing.push_back(it->second);
        missing_input.push_back(i);
      }
    }
    if (!quiet)
      std::fprintf(stderr, "sembed embed: reused %zu of %zu texts, embedding %zu (cache %s)\n",
                   inputs.size() - miss_ids.size(), inputs.size(), miss_ids.size(),
                   cache.file().c_str());
    if (!miss_ids.empty()) {
      const Matrix fresh =
          m.encode_ids(miss_ids, std::vector<size_t>(miss_ids.size(), prompt_tokens), options);
      for (size_t k = 0; k < missing.size(); ++k)
        std::copy(fresh.row(missing[k]), fresh.row(missing[k]) + fresh.cols,
                  out.row(missing_input[k]));
      for (size_t k = 0; k < miss_ids.size(); ++k)
        cache.add(miss_ids[k], prompt_tokens, fresh.row(k));
      cache.commit();
    }
    return out;
  }

  void run() const {
    const EmbedFormat fmt = parse_embed_format(format);
    if (output_value != "sentence" && output_value != "token" && output_value != "chunks")
      throw Error("--output-value must be 'sentence', 'token' or 'chunks', not '" + output_value +
                  "'");
    if (output_value == "chunks" && fmt != EmbedFormat::Jsonl && fmt != EmbedFormat::Json)
      throw Error("--output-value chunks writes each text's windows as JSON: use --format jsonl "
                  "or json");
    if (output_value == "chunks" && long_text.mode != "chunk")
      throw Error("--output-value chunks needs --long-text chunk");
    if (output_value == "token" && fmt == EmbedFormat::Npy)
      throw Error(
          "--format npy holds one matrix; token embeddings differ in length per text "
          "(use jsonl, json or csv with --output-value token)");
    if (!cache_dir.empty() && output_value != "sentence")
      throw Error("--cache holds sentence embeddings; it cannot be used with --output-value " +
                  output_value);
    if (!cache_dir.empty() && long_text.mode != "truncate")
      throw Error("--cache keeps one vector per text as truncation gives it; it cannot be used "
                  "with --long-text " + long_text.mode);
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
    long_text.apply(options);

    // Encode fully before opening the output so that a failure leaves no file behind.
    if (output_value == "token") {
      const auto per_text = loaded->encode_tokens(inputs, options);
      OutputFile out(output);
      write_token_embeddings(out.stream(), fmt, per_text);
      out.commit();
    } else if (output_value == "chunks") {
      const auto per_text = loaded->encode_chunks(inputs, options);
      OutputFile out(output);
      write_chunks(out.stream(), fmt, per_text);
      out.commit();
    } else {
      const Matrix embeddings =
          cache_dir.empty() ? loaded->encode(inputs, options)
                            : encode_with_cache(*loaded, inputs, options);
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
  c.long_text.add_to(*cmd, "a text");
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
                  "sentence: one pooled vector per text; token: last_hidden_state per token; "
                  "chunks: each window of --long-text chunk with its boundaries and embedding")
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
  cmd->add_option("--cache", c.cache_dir,
                  "Keep the embeddings in DIR and reuse them: a re-run embeds only texts it has "
                  "not seen with this model and these options");
  cmd->callback([cmd_state] { cmd_state->run(); });
}

}  // namespace sembed::cli

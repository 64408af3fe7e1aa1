// Pieces shared by the model-running subcommands (embed, similarity, search): the --model and
// --threads options, reading texts from arguments or standard input, float formatting that
// round-trips, atomic output files and the progress bar.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <sembed/cross_encoder.hpp>
#include <sembed/sembed.hpp>
#include <string>
#include <vector>

namespace sembed::cli {

struct ModelOptions {
  std::string model_dir;  // empty: resolve_model_dir's default
  int threads = 0;
  std::string dtype = "float32";
  // cross_encoder: the commands that score pairs, whose --model is required.
  void add_to(CLI::App& command, bool cross_encoder = false);
  LoadOptions load_options() const;  // throws an Error for an unknown --dtype
  std::shared_ptr<Model> load() const;
  std::shared_ptr<CrossEncoder> load_cross_encoder() const;
};

// --dtype float32|bf16|int8 (LoadOptions::dtype), for commands that do not take ModelOptions.
void add_dtype_option(CLI::App& command, std::string& dtype);

// --prompt-name NAME and --prompt TEXT: sentence-transformers' encode(prompt_name=, prompt=).
// Neither given: the model's default_prompt_name applies (when it has one).
struct PromptOptions {
  std::string prompt_name, prompt;
  CLI::Option* name_option = nullptr;
  CLI::Option* prompt_option = nullptr;
  // `what` says which texts get the prompt, e.g. "every text" or "the queries".
  void add_to(CLI::App& command, const std::string& what);
  void apply(EncodeOptions& options) const;
};

// --long-text truncate|chunk and --chunk-overlap N: what happens to a text longer than the
// model takes (EncodeOptions::long_text, docs/long-text.md).
struct LongTextOptions {
  std::string mode = "truncate";
  size_t overlap = EncodeOptions{}.chunk_overlap;
  // `what` says which texts it applies to, e.g. "a text" or "a corpus document".
  void add_to(CLI::App& command, const std::string& what);
  void apply(EncodeOptions& options) const;
};

// The texts given as arguments, or else one text per line of standard input (a trailing '\r'
// is dropped). Every text must be valid UTF-8: an error names the argument or line and the byte.
std::vector<std::string> read_texts(const std::vector<std::string>& args);
std::vector<std::string> read_lines(std::FILE* in, const std::string& source_name);

// Appends s as a JSON string. Besides what JSON requires, U+0085, U+2028 and U+2029 are escaped,
// so that a reader splitting JSON Lines on any line break still sees one object per line.
void append_json_string(std::string& out, const std::string& s);

// The texts as valid UTF-8, or an Error naming `where` and the byte.
void require_valid_text(const std::string& text, const std::string& where);

// Shortest decimal text that reads back as the same float32.
std::string format_float(float value);

// Writes to a temporary file beside the destination and renames it into place on commit(), so a
// failure never leaves a half-written file. With an empty path it writes to standard output.
class OutputFile {
 public:
  explicit OutputFile(const std::string& path);
  ~OutputFile();
  std::FILE* stream() { return stream_; }
  void commit();

 private:
  std::string path_, temp_path_;
  std::FILE* stream_ = nullptr;
  bool committed_ = false;
};

// A progress callback drawing a bar on stderr, or an empty one when stderr is not a terminal
// or quiet is set.
std::function<void(size_t, size_t)> progress_bar(bool quiet);

}  // namespace sembed::cli

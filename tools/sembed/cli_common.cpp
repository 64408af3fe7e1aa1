// Shared pieces of the subcommands; see cli_common.hpp.
#include "sembed/cli_common.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <iostream>

#include "core/utf8.hpp"

namespace sembed::cli {
void require_valid_text(const std::string& text, const std::string& where) {
  if (auto at = utf8::find_invalid(text))
    throw Error(where + ": invalid UTF-8 at byte " + std::to_string(*at));
}

void ModelOptions::add_to(CLI::App& command, bool cross_encoder) {
  command.add_option("--model,-m", model_dir,
                     cross_encoder
                         ? "Cross-encoder directory (a sentence-transformers CrossEncoder or a "
                           "transformers *ForSequenceClassification model); required"
                         : "Model directory (default: $SEMBED_MODEL, then the default "
                           "all-MiniLM-L6-v2)");
  command.add_option("--threads,-t", threads, "Threads per encode call (default: physical cores)")
      ->check(CLI::NonNegativeNumber);
  add_dtype_option(command, dtype);
}

void add_dtype_option(CLI::App& command, std::string& dtype) {
  command
      .add_option("--dtype", dtype,
                  "Matmul arithmetic: float32 (exact), bf16 or int8 (faster where the CPU has "
                  "the instructions, approximate: docs/precision.md gives the measured quality), "
                  "or auto (int8 where the CPU has AVX512-VNNI or AMX-INT8, else float32)")
      ->capture_default_str();
}

LoadOptions ModelOptions::load_options() const {
  LoadOptions options;
  options.threads = threads;
  options.dtype = parse_dtype(dtype);
  return options;
}

void PromptOptions::add_to(CLI::App& command, const std::string& what) {
  name_option =
      command.add_option("--prompt-name", prompt_name,
                         "Prepend the model's prompt NAME (config_sentence_transformers.json) to " +
                             what + " (default: the model's default_prompt_name, if any)");
  prompt_option = command.add_option(
      "--prompt", prompt, "Prepend TEXT to " + what + " (overrides --prompt-name; \"\" for none)");
}

void PromptOptions::apply(EncodeOptions& options) const {
  if (name_option && name_option->count()) options.prompt_name = prompt_name;
  if (prompt_option && prompt_option->count()) options.prompt = prompt;
}

void LongTextOptions::add_to(CLI::App& command, const std::string& what) {
  command
      .add_option("--long-text", mode,
                  "What to do with " + what +
                      " longer than --max-length / max_seq_length: truncate (keep its start) or "
                      "chunk (embed it whole: the token-weighted mean of overlapping windows; "
                      "docs/long-text.md)")
      ->capture_default_str();
  command
      .add_option("--chunk-overlap", overlap,
                  "Tokens consecutive windows share with --long-text chunk")
      ->capture_default_str();
}

void LongTextOptions::apply(EncodeOptions& options) const {
  options.long_text = parse_long_text(mode);
  options.chunk_overlap = overlap;
}

std::shared_ptr<Model> ModelOptions::load() const {
  std::optional<std::filesystem::path> explicit_dir;
  if (!model_dir.empty()) explicit_dir = model_dir;
  return Model::load(resolve_model_dir(explicit_dir), load_options());
}

std::shared_ptr<CrossEncoder> ModelOptions::load_cross_encoder() const {
  if (model_dir.empty())
    throw Error("--model DIR is required: a cross-encoder directory (the default model embeds)");
  return CrossEncoder::load(model_dir, load_options());
}

std::vector<std::string> read_lines(std::FILE* in, const std::string& source_name) {
  std::vector<std::string> lines;
  std::string line;
  int c;
  size_t line_number = 0;
  auto finish = [&] {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    require_valid_text(line, source_name + " line " + std::to_string(line_number));
    lines.push_back(std::move(line));
    line.clear();
  };
  while ((c = std::fgetc(in)) != EOF) {
    if (c == '\n') {
      finish();
    } else {
      line.push_back(static_cast<char>(c));
    }
  }
  if (!line.empty()) finish();
  return lines;
}

std::vector<std::string> read_texts(const std::vector<std::string>& args) {
  if (args.empty()) return read_lines(stdin, "standard input");
  for (size_t i = 0; i < args.size(); ++i)
    require_valid_text(args[i], "argument " + std::to_string(i + 1));
  return args;
}

void append_json_string(std::string& out, const std::string& s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85) {
      out += "\\u0085";
      ++i;
      continue;
    }
    if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
         static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
      continue;
    }
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      static const char* hex = "0123456789abcdef";
      out += "\\u00";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
}

std::string format_float(float value) {
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, result.ptr);
}

OutputFile::OutputFile(const std::string& path) : path_(path) {
  if (path_.empty()) {
    stream_ = stdout;
    return;
  }
  temp_path_ = path_ + ".sembed-partial";
  stream_ = std::fopen(temp_path_.c_str(), "wb");
  if (!stream_) throw Error("cannot write " + path_ + ": " + std::strerror(errno));
}

OutputFile::~OutputFile() {
  if (stream_ && stream_ != stdout) std::fclose(stream_);
  if (!committed_ && !temp_path_.empty()) std::remove(temp_path_.c_str());
}

void OutputFile::commit() {
  if (stream_ == stdout) {
    if (std::fflush(stdout) != 0)
      throw Error(std::string("cannot write standard output: ") + std::strerror(errno));
    committed_ = true;
    return;
  }
  const bool write_failed = std::ferror(stream_) != 0;
  const bool close_failed = std::fclose(stream_) != 0;
  stream_ = nullptr;
  if (write_failed || close_failed)
    throw Error("cannot write " + path_ + ": " + std::strerror(errno));
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0)
    throw Error("cannot write " + path_ + ": " + std::strerror(errno));
  committed_ = true;
}

std::function<void(size_t, size_t)> progress_bar(bool quiet) {
  if (quiet || !isatty(STDERR_FILENO)) return {};
  return [](size_t done, size_t total) {
    constexpr size_t kWidth = 40;
    const size_t filled = total ? done * kWidth / total : kWidth;
    std::fprintf(stderr, "\r[%s%s] %zu/%zu", std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, ' ').c_str(), done, total);
    if (done == total) std::fputc('\n', stderr);
    std::fflush(stderr);
  };
}

}  // namespace sembed::cli

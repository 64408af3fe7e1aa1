// ModelBackend: the server's Backend over a loaded sembed::Model. The engine is always run with
// normalize=false and the model's own pooling, so requests asking for different normalization
// can share a batch; the server normalizes each request's rows as it asked.
//
// Model::tokenize accepts max_length only up to the model's position embeddings (512 for BERT),
// so a text is tokenized in full only up to that length; beyond it the server is told the text is
// too long, and truncation goes through a prefix (keeping the start) or a suffix (keeping the
// end) of the text cut at whitespace.
#include <algorithm>
#include <cctype>
#include <limits>
#include <utility>

#include "core/utf8.hpp"
#include "server/backend.hpp"

namespace sembed::server {
namespace {

// The first ~`bytes` bytes of text, ending before a whitespace character when there is one, so
// no word is cut (the whole text when it is shorter).
std::string_view prefix_at_word(std::string_view text, size_t bytes) {
  if (bytes >= text.size()) return text;
  for (size_t i = bytes; i > 0; --i) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) return text.substr(0, i);
  }
  return text;  // one giant word: it must be seen whole
}

// The last ~`bytes` bytes of text, starting after a whitespace character when there is one, so
// no word is cut (BERT splits words at whitespace before anything else).
std::string_view suffix_at_word(std::string_view text, size_t bytes) {
  if (bytes >= text.size()) return text;
  size_t start = text.size() - bytes;
  while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) ++start;
  for (size_t i = start; i < text.size(); ++i) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) return text.substr(i + 1);
  }
  return text.substr(start);
}

class ModelBackend final : public Backend {
 public:
  explicit ModelBackend(std::shared_ptr<const Model> model) : model_(std::move(model)) {
    const ModelInfo& mi = model_->info();
    info_.model_id = mi.dir.filename().string();
    if (info_.model_id.empty()) info_.model_id = mi.dir.parent_path().filename().string();
    info_.pooling = std::string(to_string(mi.pooling));
    info_.dtype = std::string(to_string(mi.dtype));
    info_.matmul_kernel = mi.matmul_kernel;
    info_.cpu_features = mi.cpu_features;
    info_.dimension = model_->dimension();
    info_.max_seq_length = model_->max_seq_length();
    info_.vocab_size = static_cast<size_t>(std::max(mi.vocab_size, 0));
    info_.normalize = mi.normalize;
    limit_ = std::max(mi.max_tokens, info_.max_seq_length);
  }

  TokenizedText tokenize(std::string_view text) const override {
    // A long text whose first words alone exceed limit_ tokens is too long whatever follows:
    // say so after a look at its start, instead of tokenizing megabytes to count them.
    if (text.size() > kPrefixBytes) {
      const std::string_view prefix = prefix_at_word(text, kPrefixBytes);
      bool prefix_too_long = false;
      try {
        model_->tokenize(prefix, limit_, /*truncate=*/false);
      } catch (const Error&) {
        prefix_too_long = true;
      }
      if (prefix_too_long) {
        if (const auto bad = utf8::find_invalid(text)) {
          throw Error("invalid UTF-8 at byte " + std::to_string(*bad));
        }
        throw InputTooLong(limit_, /*at_least=*/true);
      }
    }
    try {
      return model_->tokenize(text, limit_, /*truncate=*/false);
    } catch (const Error&) {
      // Either the text is invalid, or it is longer than limit_ tokens: truncating tells which
      // (it throws again only for invalid text).
      model_->tokenize(text, limit_, /*truncate=*/true);
      throw InputTooLong(limit_, /*at_least=*/true);
    }
  }

  std::vector<TextChunk> chunk(std::string_view text, const std::string& prompt,
                               size_t chunk_overlap) const override {
    EncodeOptions options;
    options.prompt = prompt;
    options.long_text = LongText::Chunk;
    options.chunk_overlap = chunk_overlap;
    return model_->chunk(text, options);
  }

  std::vector<int32_t> truncated_ids(std::string_view text, size_t max_length,
                                     bool keep_end) const override {
    if (max_length < 2) return model_->tokenize(text, max_length, true).ids;
    if (!keep_end) return prefix_ids(text, max_length);
    // Keeping the end: tokenize a suffix with enough tokens. A suffix of n bytes has at most
    // n + 2 tokens, so start below the limit and widen (or narrow, on overflow) by bisection.
    const size_t keep = max_length - 2;
    size_t lo = 0, hi = text.size() + 1;  // lo: too few tokens; hi: too many to tokenize
    size_t bytes = std::min(text.size(), limit_ - 2);
    for (int step = 0; step < 64; ++step) {
      const std::string_view suffix = suffix_at_word(text, bytes);
      try {
        const std::vector<int32_t> ids = model_->tokenize(suffix, limit_, false).ids;
        if (ids.size() - 2 >= keep || suffix.size() == text.size()) {
          const size_t take = std::min(keep, ids.size() - 2);
          std::vector<int32_t> out;
          out.reserve(take + 2);
          out.push_back(ids.front());
          out.insert(out.end(), ids.end() - 1 - static_cast<std::ptrdiff_t>(take), ids.end() - 1);
          out.push_back(ids.back());
          return out;
        }
        lo = bytes;
      } catch (const Error&) {
        hi = bytes;
      }
      const size_t next = hi > text.size() ? std::min(text.size(), bytes * 2) : (lo + hi) / 2;
      if (next == bytes) break;
      bytes = next;
    }
    throw Error("cannot truncate this input from the left");
  }

  // Keeping the start: tokenize a prefix cut at whitespace, doubled until it yields max_length
  // tokens, rather than the whole text — a 2 MB body would otherwise cost a full tokenization
  // (seconds, and ~100 bytes of transient memory per character) for 256 tokens kept.
  std::vector<int32_t> prefix_ids(std::string_view text, size_t max_length) const {
    size_t bytes = std::max<size_t>(64, max_length * 8);
    while (true) {
      const std::string_view prefix = prefix_at_word(text, bytes);
      std::vector<int32_t> ids = model_->tokenize(prefix, max_length, true).ids;
      if (ids.size() >= max_length || prefix.size() == text.size()) return ids;
      bytes *= 2;
    }
  }

  Matrix embed(const std::vector<std::vector<int32_t>>& ids,
               const std::vector<size_t>& prompt_tokens) const override {
    // Each batch runs exactly as the batcher formed it. (It used to be padded to one of ~80 token
    // counts, because the engine kept a compiled matmul per count without bound; ops/cpu's
    // kernel cache is bounded now, so the padding only cost work.)
    EncodeOptions options;
    options.normalize = false;
    options.batch_size = std::max<size_t>(ids.size(), 1);  // the batcher sized the batch
    return model_->encode_ids(ids, prompt_tokens, options);
  }

  const BackendInfo& info() const override { return info_; }

  std::string prompt(const std::optional<std::string>& name) const override {
    EncodeOptions options;
    options.prompt_name = name;
    return model_->resolve_prompt(options);
  }

  size_t prompt_length(const std::string& prompt) const override {
    return model_->prompt_length(prompt);
  }

  // Texts longer than this are first judged by their start (see tokenize()).
  static constexpr size_t kPrefixBytes = 16 * 1024;

  TokenizedText tokenize_unbounded(std::string_view text) const override {
    // The body limit bounds the text, so any length the client can send is fine here.
    return model_->tokenize(text, std::numeric_limits<size_t>::max() / 4, /*truncate=*/false);
  }

  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const override {
    return model_->decode(ids, skip_special_tokens);
  }

  std::vector<Matrix> embed_tokens(const std::vector<std::string>& texts,
                                   const std::string& prompt) const override {
    EncodeOptions options;
    options.prompt = prompt;
    return model_->encode_tokens(texts, options);
  }

 private:
  std::shared_ptr<const Model> model_;
  BackendInfo info_;
  size_t limit_ = 512;  // most tokens Model::tokenize can return untruncated
};

}  // namespace

std::unique_ptr<Backend> make_model_backend(std::shared_ptr<const Model> model) {
  if (!model) throw Error("server: no model given");
  return std::make_unique<ModelBackend>(std::move(model));
}

}  // namespace sembed::server

// Backend: what the HTTP server needs from a model — tokenize one text, resolve and count its
// prompts, embed a batch of token id sequences, and describe itself. ModelBackend forwards to
// sembed::Model; tests substitute a fake to exercise the server without model weights.
//
// Thread safety: tokenize() is called concurrently from HTTP threads; embed() only from the
// batcher's owner thread. Implementations must allow both at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <sembed/sembed.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sembed::server {

struct BackendInfo {
  std::string model_id;       // a name for the model (its directory's name)
  std::string pooling;        // "mean", "cls", ...
  std::string dtype;          // the matmul arithmetic: "float32", "bf16" or "int8"
  std::string matmul_kernel;  // oneDNN's kernel for it, e.g. "brg:avx512_core_vnni"
  std::vector<std::string> cpu_features;  // e.g. "AVX512-VNNI" (ModelInfo::cpu_features)
  size_t dimension = 0;       // embedding size
  size_t max_seq_length = 0;  // tokens per sequence, special tokens included
  size_t vocab_size = 0;      // token ids must be below this
  bool normalize = false;     // whether the model ends with a Normalize module
};

// Thrown by Backend::tokenize for a text too long to tokenize in full; tokens is its length when
// known, else the limit it exceeded (at_least is then true).
class InputTooLong : public Error {
 public:
  InputTooLong(size_t tokens, bool at_least)
      : Error("input has " + std::string(at_least ? "more than " : "") + std::to_string(tokens) +
              " tokens"),
        tokens(tokens),
        at_least(at_least) {}
  size_t tokens;
  bool at_least;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Tokens of one text with special tokens and no truncation (the server truncates, so it can
  // do both directions and report over-long inputs itself). Throws sembed::Error on bad input
  // such as invalid UTF-8, InputTooLong when the text is too long to tokenize in full.
  virtual TokenizedText tokenize(std::string_view text) const = 0;

  // Token ids of a text truncated to max_length tokens (special tokens included), keeping its
  // start, or its end when keep_end. Used when tokenize() threw InputTooLong.
  virtual std::vector<int32_t> truncated_ids(std::string_view text, size_t max_length,
                                             bool keep_end) const = 0;

  // [ids.size(), dimension] pooled embeddings, not normalized. The first prompt_tokens[i] tokens
  // of ids[i] are a prompt's (empty: no prompts; see Model::encode_ids). Each row must not depend
  // on the other sequences of the batch.
  virtual Matrix embed(const std::vector<std::vector<int32_t>>& ids,
                       const std::vector<size_t>& prompt_tokens) const = 0;

  // The prompt a request's texts get: the model's prompt called `name`, or without a name the
  // model's default prompt ("" when it has none). Throws sembed::Error listing the model's
  // prompts for an unknown name.
  virtual std::string prompt(const std::optional<std::string>& name) const = 0;

  // The leading tokens of a text with `prompt` prepended that are the prompt's, as the engine
  // counts them for pooling (Model::prompt_length); 0 for "".
  virtual size_t prompt_length(const std::string& prompt) const = 0;

  virtual const BackendInfo& info() const = 0;

  // Tokens of one text with special tokens, however long it is (for /tokenize). Throws
  // sembed::Error on bad input. The default is tokenize().
  virtual TokenizedText tokenize_unbounded(std::string_view text) const { return tokenize(text); }

  // Text of token ids, as Hugging Face tokenizers' decode (TEI's /decode). The default throws
  // sembed::Error: not every backend can.
  virtual std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
    (void)ids;
    (void)skip_special_tokens;
    throw Error("decoding is not available from this backend");
  }

  // Chunk mode's windows of prompt + text (Model::chunk with that prompt and chunk_overlap; one
  // window when it fits). Throws sembed::Error on bad input or a bad overlap. The default throws:
  // not every backend can.
  virtual std::vector<TextChunk> chunk(std::string_view text, const std::string& prompt,
                                       size_t chunk_overlap) const {
    (void)text;
    (void)prompt;
    (void)chunk_overlap;
    throw Error("chunk mode is not available from this backend");
  }

  // Per-text [n_tokens, hidden] last_hidden_state of prompt + text, truncated to max_seq_length
  // keeping the start (TEI's /embed_all). The default throws sembed::Error: not every backend can.
  virtual std::vector<Matrix> embed_tokens(const std::vector<std::string>& texts,
                                           const std::string& prompt) const {
    (void)texts;
    (void)prompt;
    throw Error("token embeddings are not available from this backend");
  }
};

// The real thing: a loaded sentence-transformers model.
std::unique_ptr<Backend> make_model_backend(std::shared_ptr<const Model> model);

}  // namespace sembed::server

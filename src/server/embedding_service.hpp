// EmbeddingService: the path every embedding route shares. On the calling (HTTP) thread it
// resolves the request's prompt, tokenizes and truncates the inputs (prompt + text), checks them
// against the model's limits, queues them on the batcher, waits for this request's rows, and
// applies the request's own normalization and dimension truncation. Routes only translate between
// their JSON dialect and EmbedRequest.
//
// Thread safety: embed() and tokenize() may be called concurrently.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "engine/batcher.hpp"
#include "engine/embedding_cache.hpp"
#include "server/backend.hpp"
#include "server/metrics.hpp"
#include "server/request_json.hpp"

namespace sembed::server {

struct EmbedRequest {
  std::vector<Input> inputs;
  std::string field = "input";        // the request field holding the inputs, for messages
  std::vector<std::string> input_names;  // per-input names for messages; default field[i]
  // Prepended to every text input before tokenizing (never to token ids); EmbeddingService::prompt
  // resolves it. Counts toward max_seq_length, as in sentence-transformers.
  std::string prompt;
  bool truncate = true;               // false: an input over max_seq_length is an error
  bool truncate_left = false;         // keep the end of an over-long input instead of its start
  bool normalize = true;              // L2-normalize each vector (after `dimensions`)
  std::optional<size_t> dimensions;   // keep the first n values
  // Chunk: an over-long text input is embedded whole, as the token-weighted mean of its windows
  // (EncodeOptions::long_text); truncate and truncate_left then do not apply to it.
  LongText long_text = LongText::Truncate;
  size_t chunk_overlap = EncodeOptions{}.chunk_overlap;
  int too_long_status = 413;          // status for an over-long input (dialect's choice)
  int type_status = 400;              // status for a bad value inside an input
};

struct EmbedResult {
  Matrix vectors;     // [inputs, dimensions or model dimension]
  size_t tokens = 0;  // tokens sent to the engine, special tokens and prompts included
};

// One input as the engine gets it.
struct PromptedIds {
  std::vector<int32_t> ids;
  size_t prompt_tokens = 0;  // leading tokens of ids that are the prompt's (after truncation)
};

class EmbeddingService {
 public:
  // default_prompt: the server's prompt for requests that name none (ServerOptions); nullopt:
  // the model's default prompt.
  // cache: rows already computed, by token sequence (null: none); see engine/embedding_cache.hpp.
  EmbeddingService(const Backend& backend, engine::Batcher& batcher, Metrics& metrics,
                   size_t max_client_batch_size, std::optional<std::string> default_prompt = {},
                   engine::EmbeddingCache* cache = nullptr);

  // Throws ApiError for bad input, engine::QueueFull / engine::BatcherStopped when the batcher
  // cannot take it, or whatever the engine threw.
  EmbedResult embed(const EmbedRequest& request) const;

  // The prompt for a request's `prompt_name` (see EmbedRequest::prompt): that prompt of the
  // model, else the server's default prompt, else the model's. Throws ApiError(status) listing
  // the model's prompts for an unknown name.
  std::string prompt(const std::optional<std::string>& prompt_name, int status) const;

  // How many tokens options.prompt contributes (0 without a prompt): computed once per request
  // and passed to token_ids for each of its inputs.
  size_t prompt_length(const EmbedRequest& options) const;

  // Token ids of options.prompt + text after truncation as embed() would do it; prompt_len is
  // prompt_length(options). Throws ApiError naming `name` on bad input.
  PromptedIds token_ids(const std::string& text, const std::string& name,
                        const EmbedRequest& options, size_t prompt_len) const;

  size_t max_client_batch_size() const { return max_client_batch_size_; }
  const Backend& backend() const { return backend_; }

 private:
  const Backend& backend_;
  engine::Batcher& batcher_;
  Metrics& metrics_;
  size_t max_client_batch_size_;
  std::optional<std::string> default_prompt_;
  engine::EmbeddingCache* cache_ = nullptr;
};

// sembed's request fields for long texts, on every embedding route: `long_text` ("truncate" or
// "chunk") and `chunk_overlap` (tokens).
void read_long_text_fields(const Fields& f, EmbedRequest& request);

// Scales each row to unit L2 norm (rows of norm 0 stay 0), as torch.nn.functional.normalize.
void normalize_rows(Matrix& m);

// Keeps the first `dims` columns.
Matrix truncate_columns(const Matrix& m, size_t dims);

}  // namespace sembed::server

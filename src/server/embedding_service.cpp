// EmbeddingService: prompts, tokenization, truncation and limit checks on the HTTP thread; engine
// work through the batcher; per-request normalization afterwards. The engine always runs
// unnormalized so that requests with different `normalize` settings can share a batch.
#include "server/embedding_service.hpp"

#include <algorithm>
#include <cmath>

#include "engine/window_mean.hpp"

namespace sembed::server {

void normalize_rows(Matrix& m) {
  for (size_t r = 0; r < m.rows; ++r) {
    float* row = m.row(r);
    double sq = 0;
    for (size_t c = 0; c < m.cols; ++c) sq += static_cast<double>(row[c]) * row[c];
    // torch.nn.functional.normalize divides by max(norm, 1e-12).
    const float norm = static_cast<float>(std::max(std::sqrt(sq), 1e-12));
    for (size_t c = 0; c < m.cols; ++c) row[c] /= norm;
  }
}

Matrix truncate_columns(const Matrix& m, size_t dims) {
  if (dims >= m.cols) return m;
  Matrix out(m.rows, dims);
  for (size_t r = 0; r < m.rows; ++r) std::copy_n(m.row(r), dims, out.row(r));
  return out;
}

void read_long_text_fields(const Fields& f, EmbedRequest& request) {
  if (const auto mode = f.string("long_text")) {
    try {
      request.long_text = parse_long_text(*mode);
    } catch (const Error& e) {
      throw ApiError(f.type_status(), std::string("`long_text`: ") + e.what(), "long_text");
    }
  }
  if (const auto overlap = f.integer("chunk_overlap", 0, 1 << 20)) request.chunk_overlap = *overlap;
}

EmbeddingService::EmbeddingService(const Backend& backend, engine::Batcher& batcher,
                                   Metrics& metrics, size_t max_client_batch_size,
                                   std::optional<std::string> default_prompt,
                                   engine::EmbeddingCache* cache)
    : backend_(backend),
      batcher_(batcher),
      metrics_(metrics),
      max_client_batch_size_(max_client_batch_size),
      default_prompt_(std::move(default_prompt)),
      cache_(cache) {}

std::string EmbeddingService::prompt(const std::optional<std::string>& prompt_name,
                                     int status) const {
  if (!prompt_name && default_prompt_) return *default_prompt_;
  try {
    return backend_.prompt(prompt_name);
  } catch (const Error& e) {
    throw ApiError(status, std::string("`prompt_name`: ") + e.what(), "prompt_name");
  }
}

size_t EmbeddingService::prompt_length(const EmbedRequest& options) const {
  return options.prompt.empty() ? 0 : backend_.prompt_length(options.prompt);
}

PromptedIds EmbeddingService::token_ids(const std::string& raw_text, const std::string& name,
                                        const EmbedRequest& options, size_t prompt_len) const {
  // sentence-transformers tokenizes prompt + text as one string and truncates the whole, so the
  // prompt counts toward max_seq_length.
  std::string prompted;
  if (!options.prompt.empty()) prompted = options.prompt + raw_text;
  const std::string& text = options.prompt.empty() ? raw_text : prompted;
  PromptedIds out;
  out.prompt_tokens = prompt_len;
  // Keeping the end cuts `cut` content tokens from the front: the prompt loses up to all of its
  // own tokens, never the leading special token (which sentence-transformers counts in it).
  auto cut_from_front = [&](size_t cut) {
    if (prompt_len > 0) out.prompt_tokens = prompt_len - std::min(cut, prompt_len - 1);
  };
  const size_t max_len = backend_.info().max_seq_length;
  auto too_long = [&](const std::string& count) {
    return ApiError(options.too_long_status,
                    "`" + name + "` has " + count + " tokens" +
                        (options.prompt.empty() ? "" : " with its prompt") +
                        ", more than the model's maximum of " + std::to_string(max_len) +
                        "; shorten it or set truncate=true",
                    name);
  };
  TokenizedText tokens;
  try {
    tokens = backend_.tokenize(text);
  } catch (const InputTooLong& e) {
    // Too long to see in full: refuse, or let the backend truncate.
    if (!options.truncate) {
      throw too_long((e.at_least ? "more than " : "") + std::to_string(e.tokens));
    }
    try {
      out.ids = backend_.truncated_ids(text, max_len, options.truncate_left);
    } catch (const Error& e2) {
      throw ApiError(422, "`" + name + "` cannot be tokenized: " + e2.what(), name);
    }
    // Longer than the position embeddings allow: keeping the end cuts the whole prompt (unless
    // the prompt alone were most of max_seq_length, which no model's prompts are).
    if (options.truncate_left) cut_from_front(prompt_len);
    return out;
  } catch (const Error& e) {
    throw ApiError(422, "`" + name + "` cannot be tokenized: " + e.what(), name);
  }
  std::vector<int32_t>& ids = tokens.ids;
  if (max_len == 0 || ids.size() <= max_len) {
    out.ids = std::move(ids);
    return out;
  }
  if (!options.truncate) throw too_long(std::to_string(ids.size()));
  // Keep [CLS] and [SEP] (first and last tokens) and max_len - 2 tokens of content from the
  // chosen end, as Hugging Face truncation does before adding special tokens.
  if (max_len < 2) {
    ids.resize(max_len);
    out.ids = std::move(ids);
    return out;
  }
  const size_t keep = max_len - 2;
  out.ids.reserve(max_len);
  out.ids.push_back(ids.front());
  if (options.truncate_left) {
    out.ids.insert(out.ids.end(), ids.end() - 1 - static_cast<std::ptrdiff_t>(keep), ids.end() - 1);
    cut_from_front(ids.size() - max_len);
  } else {
    out.ids.insert(out.ids.end(), ids.begin() + 1,
                   ids.begin() + 1 + static_cast<std::ptrdiff_t>(keep));
  }
  out.ids.push_back(ids.back());
  return out;
}

EmbedResult EmbeddingService::embed(const EmbedRequest& request) const {
  const BackendInfo& info = backend_.info();
  const size_t n = request.inputs.size();
  if (n == 0) throw ApiError(400, "`" + request.field + "` must not be empty", request.field);
  if (n > max_client_batch_size_) {
    throw ApiError(413,
                   "`" + request.field + "` has " + std::to_string(n) +
                       " inputs, more than this server's maximum of " +
                       std::to_string(max_client_batch_size_) + " per request",
                   request.field);
  }
  if (request.dimensions && (*request.dimensions == 0 || *request.dimensions > info.dimension)) {
    throw ApiError(request.type_status,
                   "`dimensions` must be between 1 and " + std::to_string(info.dimension) +
                       " for this model, got " + std::to_string(*request.dimensions),
                   "dimensions");
  }

  // The sequences for the engine: one per input, or a chunked text's windows.
  std::vector<std::vector<int32_t>> ids;
  std::vector<size_t> prompt_tokens;
  std::vector<size_t> first_sequence(n + 1, 0);  // input i's sequences: [first[i], first[i + 1])
  std::vector<size_t> weights;                   // per sequence: the text tokens it holds
  ids.reserve(n);
  prompt_tokens.reserve(n);
  size_t tokens = 0;
  const size_t prompt_len = prompt_length(request);
  for (size_t i = 0; i < n; ++i) {
    const Input& in = request.inputs[i];
    const std::string name = i < request.input_names.size() ? request.input_names[i]
                             : n == 1 ? request.field
                                      : request.field + "[" + std::to_string(i) + "]";
    if (!in.is_ids && request.long_text == LongText::Chunk) {
      std::vector<TextChunk> windows;
      try {
        windows = backend_.chunk(in.text, request.prompt, request.chunk_overlap);
      } catch (const Error& e) {
        const std::string what = e.what();
        const bool overlap = what.find("chunk_overlap") != std::string::npos;
        throw ApiError(overlap ? request.type_status : 422, "`" + name + "`: " + what,
                       overlap ? "chunk_overlap" : name);
      }
      for (TextChunk& w : windows) {
        tokens += w.ids.size();
        weights.push_back(w.token_end - w.token_begin);
        ids.push_back(std::move(w.ids));
        prompt_tokens.push_back(w.prompt_tokens);
      }
    } else if (!in.is_ids) {
      PromptedIds text_ids = token_ids(in.text, name, request, prompt_len);
      tokens += text_ids.ids.size();
      ids.push_back(std::move(text_ids.ids));
      prompt_tokens.push_back(text_ids.prompt_tokens);
      weights.push_back(1);
    } else {
      // Token ids are used exactly as given (with [CLS]/[SEP] if the model expects them, as
      // /tokenize returns them); they are never truncated and get no prompt.
      if (in.ids.empty()) throw ApiError(400, "`" + name + "` has no token ids", name);
      for (size_t k = 0; k < in.ids.size(); ++k) {
        if (info.vocab_size > 0 && static_cast<size_t>(in.ids[k]) >= info.vocab_size) {
          throw ApiError(request.type_status,
                         "`" + name + "` holds token id " + std::to_string(in.ids[k]) +
                             " at position " + std::to_string(k) + ", outside the vocabulary (" +
                             std::to_string(info.vocab_size) + " tokens)",
                         name);
        }
      }
      if (info.max_seq_length > 0 && in.ids.size() > info.max_seq_length) {
        throw ApiError(request.too_long_status,
                       "`" + name + "` has " + std::to_string(in.ids.size()) +
                           " token ids, more than the model's maximum of " +
                           std::to_string(info.max_seq_length),
                       name);
      }
      ids.push_back(in.ids);
      prompt_tokens.push_back(0);
      weights.push_back(1);
      tokens += in.ids.size();
    }
    first_sequence[i + 1] = ids.size();
  }

  EmbedResult result;
  result.tokens = tokens;
  const size_t n_seq = ids.size();
  Matrix rows;
  if (!cache_) {
    rows = batcher_.submit(std::move(ids), std::move(prompt_tokens)).get();
  } else {
    // Rows the cache holds are copied; only the others go to the engine, and are cached.
    const size_t dim = info.dimension;
    rows = Matrix(n_seq, dim);
    std::vector<size_t> missing;
    for (size_t s = 0; s < n_seq; ++s)
      if (!cache_->lookup(ids[s], prompt_tokens[s], rows.row(s), dim)) missing.push_back(s);
    if (!missing.empty()) {
      std::vector<std::vector<int32_t>> miss_ids;
      std::vector<size_t> miss_prompts;
      for (size_t s : missing) {
        miss_ids.push_back(ids[s]);
        miss_prompts.push_back(prompt_tokens[s]);
      }
      const Matrix fresh = batcher_.submit(std::move(miss_ids), std::move(miss_prompts)).get();
      for (size_t k = 0; k < missing.size(); ++k) {
        const size_t s = missing[k];
        std::copy(fresh.row(k), fresh.row(k) + dim, rows.row(s));
        cache_->insert(ids[s], prompt_tokens[s], fresh.row(k), dim);
      }
    }
  }
  result.vectors = n_seq == n ? std::move(rows) : engine::mean_of_windows(rows, first_sequence, weights);
  metrics_.observe_inputs(n, tokens);

  if (request.dimensions && *request.dimensions < result.vectors.cols) {
    result.vectors = truncate_columns(result.vectors, *request.dimensions);
  }
  if (request.normalize) normalize_rows(result.vectors);
  return result;
}

}  // namespace sembed::server

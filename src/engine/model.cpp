// Model: loading a model directory into a ready-to-use model, and the public entry points that
// delegate to the encode pipeline (encode_pipeline.cpp).
#include <atomic>
#include <chrono>
#include <exception>
#include <future>
#include <optional>

#include "engine/embedding_cache.hpp"
#include "engine/int8_calibration.hpp"
#include "engine/model_impl.hpp"
#include "loader/encoder_tensor_names.hpp"
#include "loader/weight_store.hpp"
#include "ops/cpu/cpu_features.hpp"
#include "ops/cpu/linear.hpp"
#include "ops/cpu/parallel.hpp"

namespace sembed {
namespace {

// The encoder arithmetic for a public dtype.
ops::cpu::Precision matmul_precision(DType dtype) {
  switch (dtype) {
    case DType::Float32:
      return ops::cpu::Precision::Float32;
    case DType::BFloat16:
      return ops::cpu::Precision::BFloat16;
    case DType::Int8:
      return ops::cpu::Precision::Int8;
    case DType::Auto:  // resolved before this (resolve_dtype)
      break;
  }
  return ops::cpu::Precision::Float32;
}

}  // namespace

DType resolve_dtype(DType requested) {
  if (requested != DType::Auto) return requested;
  // Asks oneDNN itself rather than the CPU flags: it may lack kernels for some flags (AVX-VNNI
  // alone) or be told to ignore them (ONEDNN_MAX_CPU_ISA), and Auto must never end in a refusal.
  return ops::cpu::has_native_kernel(ops::cpu::Precision::Int8) ? DType::Int8 : DType::Float32;
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

LoadedModel load_model(const std::filesystem::path& dir, const LoadOptions& options) {
  if (options.threads < 0) throw Error("threads must be >= 0 (0 = physical cores)");
  const DType dtype = resolve_dtype(options.dtype);
  auto directory = loader::read_model_directory(dir);
  // directory.dir holds the Transformer module's files; it differs from dir for old layouts
  // that keep them in a sub-folder such as 0_BERT/.
  auto weights = loader::WeightStore::open(directory.dir);
  for (const auto& prefix : directory.encoder.names.base_model_prefixes)
    weights.strip_prefix(prefix);
  const auto tensor_check = loader::check_encoder_tensors(
      directory.encoder, weights,
      directory.cross_encoder ? loader::head_tensor_names(directory.cross_encoder->head)
                              : std::vector<std::string>{});
  // The tokenizer (parsing tokenizer.json: about 24 ms for all-MiniLM-L6-v2) is built on a
  // second thread while the encoder prepacks its weights (about as long): they share nothing,
  // and a load takes the longer of the two instead of their sum (bench/load_bench.cpp).
  auto pending_tokenizer = std::async(std::launch::async, [&dir = directory.dir] {
    return tokenizer::Tokenizer::from_model_dir(dir);
  });
  std::optional<tokenizer::Tokenizer> tok;
  auto finished_tokenizer = [&]() -> tokenizer::Tokenizer& {
    if (!tok) tok.emplace(pending_tokenizer.get());
    return *tok;
  };
  std::optional<model::TransformerEncoder> encoder;
  std::exception_ptr encoder_error;
  try {
    model::PackedBatch calibration;  // int8 only (engine/int8_calibration.hpp), which tokenizes
    if (dtype == DType::Int8)
      calibration = int8_calibration_batch(
          finished_tokenizer(),
          std::min<size_t>(static_cast<size_t>(directory.max_seq_length),
                           static_cast<size_t>(directory.encoder.max_tokens())));
    encoder.emplace(directory.encoder, weights, matmul_precision(dtype), &calibration);
  } catch (...) {
    encoder_error = std::current_exception();
  }
  // A broken tokenizer is reported first, as when the two were built one after the other.
  // (Unless int8 calibration already took it: then a tokenizer error is encoder_error.)
  if (pending_tokenizer.valid()) finished_tokenizer();
  if (encoder_error) std::rethrow_exception(encoder_error);
  auto impl = std::make_unique<Model::Impl>(std::move(directory), std::move(*tok),
                                            std::move(*encoder));
  impl->threads = options.threads > 0 ? options.threads : physical_core_count();
  static std::atomic<uint64_t> next_cache_id{1};
  impl->cache_id = next_cache_id++;
  impl->frame = find_special_frame(impl->tokenizer);
  for (const auto& m : impl->directory.modules)
    if (m.kind == loader::OutputModule::Kind::Dense) impl->dense.emplace_back(m.dense);

  ModelInfo& info = impl->info;
  const auto& ec = impl->directory.encoder;
  info.dir = dir;
  info.family = ec.family;
  info.model_type = ec.model_type;
  info.architecture = ec.architecture.empty() ? ec.model_type : ec.architecture;
  info.hidden_size = ec.hidden_size;
  info.num_layers = ec.num_hidden_layers;
  info.num_heads = ec.num_attention_heads;
  info.intermediate_size = ec.intermediate_size;
  info.vocab_size = ec.vocab_size;
  info.max_seq_length = static_cast<size_t>(impl->directory.max_seq_length);
  info.max_tokens = static_cast<size_t>(ec.max_tokens());
  info.pooling = impl->directory.pooling.mode;
  info.pooling_include_prompt = impl->directory.pooling.include_prompt;
  info.normalize = impl->directory.normalize;
  info.modules = loader::describe_modules(impl->directory);
  for (const auto& [name, text] : impl->directory.prompts.prompts)
    info.prompts.emplace_back(name, text);
  info.default_prompt_name = impl->directory.prompts.default_prompt_name;
  info.weight_file = weights.source();
  info.weight_dtype = weights.source_dtype();
  info.dtype = dtype;
  info.matmul_kernel = impl->encoder.matmul_kernel();
  info.matmul_weight_bytes = impl->encoder.matmul_weight_bytes();
  info.cpu_features = ops::cpu::cpu_features();
  info.parameter_count = impl->encoder.parameter_count();
  for (const auto& d : impl->dense) info.parameter_count += d.parameter_count();
  info.notes = impl->directory.notes;
  info.notes.insert(info.notes.end(), tensor_check.notes.begin(), tensor_check.notes.end());
  return LoadedModel{std::move(impl), std::move(weights)};
}

std::shared_ptr<Model> Model::load(const std::filesystem::path& dir, const LoadOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  // Loading runs on one thread, so the loading thread never starts an OpenMP team. libgomp counts
  // every team's threads, and once they outnumber the cores it stops spinning between parallel
  // regions and sleeps instead; a server that loads on its main thread and encodes on its batcher
  // thread then paid a futex wake-up per region: one short sentence took 3.2 ms instead of 1.65
  // (measured, bench/server_bench --url, 2-core AMD EPYC). Costs ~7 ms of load (64 -> 71 ms wall).
  const ops::cpu::ScopedThreadCount single(1);
  auto loaded = load_model(dir, options);
  const auto& md = loaded.impl->directory;
  if (md.declared_cross_encoder)
    throw Error(dir.string() + ": is a cross-encoder (" + md.encoder.architecture +
                "), which scores text pairs instead of embedding texts: load it with "
                "sembed::CrossEncoder (sembed rerank / sembed predict)");
  loaded.impl->info.load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return std::make_shared<Model>(std::move(loaded.impl));
}

std::string Model::resolve_prompt(const EncodeOptions& options) const {
  // sentence-transformers' _resolve_prompt: an explicit prompt wins, then a prompt name, then
  // the default prompt name.
  const auto& pc = impl_->directory.prompts;
  if (options.prompt) return *options.prompt;
  if (options.prompt_name) {
    auto it = pc.prompts.find(*options.prompt_name);
    if (it == pc.prompts.end()) {
      std::string names;
      for (const auto& [n, t] : pc.prompts) names += (names.empty() ? "" : ", ") + n;
      throw Error("prompt name '" + *options.prompt_name + "' is not among the model's prompts (" +
                  (names.empty() ? "it has none" : names) + "; config_sentence_transformers.json)");
    }
    return it->second;
  }
  if (pc.default_prompt_name) return pc.prompts.at(*pc.default_prompt_name);
  return {};
}

struct EmbeddingCache::Impl {
  explicit Impl(size_t max_bytes) : cache(max_bytes) {}
  engine::EmbeddingCache cache;
};

EmbeddingCache::EmbeddingCache(size_t max_bytes) : impl_(std::make_unique<Impl>(max_bytes)) {}
EmbeddingCache::~EmbeddingCache() = default;

EmbeddingCache::Stats EmbeddingCache::stats() const {
  const auto s = impl_->cache.stats();
  Stats out;
  out.hits = s.hits;
  out.misses = s.misses;
  out.evictions = s.evictions;
  out.entries = s.entries;
  out.bytes = s.bytes;
  out.max_bytes = s.max_bytes;
  return out;
}

Matrix Model::encode(const std::vector<std::string>& texts, const EncodeOptions& options) const {
  const std::string prompt = resolve_prompt(options);
  if (options.long_text == LongText::Chunk) return impl_->encode_chunked(texts, prompt, options);
  const size_t max_length = impl_->max_length(options);
  std::vector<tokenizer::Encoding> encodings;
  encodings.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i)
    encodings.push_back(impl_->tokenize(prompt.empty() ? texts[i] : prompt + texts[i], i,
                                        max_length, options.truncate));
  const size_t prompt_tokens = impl_->prompt_length(prompt, max_length);
  return impl_->embed_cached(std::move(encodings), options,
                             std::vector<size_t>(texts.size(), prompt_tokens));
}

Matrix Model::Impl::embed_cached(std::vector<tokenizer::Encoding> encodings,
                                 const EncodeOptions& options,
                                 const std::vector<size_t>& prompt_tokens) const {
  if (!options.cache) return embed(encodings, options, prompt_tokens);
  // What besides the tokens decides a row: this model, the pooling and the normalization.
  std::string context(reinterpret_cast<const char*>(&cache_id), sizeof cache_id);
  context += static_cast<char>(options.pooling.value_or(directory.pooling.mode));
  context += static_cast<char>(!options.normalize ? 0 : *options.normalize ? 1 : 2);
  engine::EmbeddingCache& cache = options.cache->impl().cache;
  const size_t dim = static_cast<size_t>(directory.embedding_dimension);
  Matrix out(encodings.size(), dim);
  std::vector<tokenizer::Encoding> missing;
  std::vector<size_t> missing_index, missing_prompt;
  for (size_t i = 0; i < encodings.size(); ++i) {
    if (cache.lookup(encodings[i].ids, prompt_tokens[i], out.row(i), dim, context)) continue;
    missing.push_back(std::move(encodings[i]));
    missing_index.push_back(i);
    missing_prompt.push_back(prompt_tokens[i]);
  }
  if (missing.empty()) return out;
  // A row does not depend on what it is batched with, so encoding only the misses gives each the
  // row it would get in the full batch.
  const Matrix fresh = embed(missing, options, missing_prompt);
  for (size_t k = 0; k < missing.size(); ++k) {
    std::copy(fresh.row(k), fresh.row(k) + dim, out.row(missing_index[k]));
    cache.insert(missing[k].ids, missing_prompt[k], fresh.row(k), dim, context);
  }
  return out;
}

size_t Model::prompt_length(const std::string& prompt, const EncodeOptions& options) const {
  return impl_->prompt_length(prompt, impl_->max_length(options));
}

Matrix Model::encode_ids(const std::vector<std::vector<int32_t>>& ids,
                         const EncodeOptions& options) const {
  return encode_ids(ids, {}, options);
}

Matrix Model::encode_ids(const std::vector<std::vector<int32_t>>& ids,
                         const std::vector<size_t>& prompt_tokens,
                         const EncodeOptions& options) const {
  if (!prompt_tokens.empty() && prompt_tokens.size() != ids.size())
    throw Error("encode_ids: " + std::to_string(prompt_tokens.size()) +
                " prompt token counts for " + std::to_string(ids.size()) +
                " sequences (one per sequence, or none)");
  const size_t max_length = impl_->max_length(options);
  const int vocab = impl_->directory.encoder.vocab_size;
  std::vector<tokenizer::Encoding> encodings(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto& seq = ids[i];
    if (seq.empty()) throw Error("input " + std::to_string(i) + ": token id list is empty");
    for (int32_t id : seq)
      if (id < 0 || id >= vocab)
        throw Error("input " + std::to_string(i) + ": token id " + std::to_string(id) +
                    " is outside the vocabulary [0, " + std::to_string(vocab) + ")");
    auto& enc = encodings[i];
    enc.ids = seq;
    if (enc.ids.size() > max_length) {
      if (!options.truncate)
        throw Error("input " + std::to_string(i) + " has " + std::to_string(seq.size()) +
                    " tokens, more than the maximum of " + std::to_string(max_length));
      // Keep the final token (the [SEP] the caller put there), as the tokenizer would.
      enc.ids.resize(max_length);
      enc.ids.back() = seq.back();
    }
    enc.type_ids.assign(enc.ids.size(), 0);
    enc.attention_mask.assign(enc.ids.size(), 1);
  }
  return impl_->embed(encodings, options, prompt_tokens);
}

std::vector<Matrix> Model::encode_tokens(const std::vector<std::string>& texts,
                                         const EncodeOptions& options) const {
  const size_t max_length = impl_->max_length(options);
  const std::string prompt = resolve_prompt(options);
  std::vector<tokenizer::Encoding> encodings;
  for (size_t i = 0; i < texts.size(); ++i)
    encodings.push_back(impl_->tokenize(prompt.empty() ? texts[i] : prompt + texts[i], i,
                                        max_length, options.truncate));
  std::vector<Matrix> out(texts.size());
  const size_t hidden = static_cast<size_t>(impl_->encoder.hidden_size());
  impl_->run(encodings, options, [&](size_t index, const float* tokens, size_t n_tokens) {
    Matrix m(n_tokens, hidden);
    std::copy(tokens, tokens + n_tokens * hidden, m.data.begin());
    out[index] = std::move(m);
  });
  return out;
}

TokenizedText Model::tokenize(std::string_view text, std::optional<size_t> max_length,
                              bool truncate) const {
  EncodeOptions options;
  options.max_length = max_length;
  // Without truncation the caller only wants the tokens (e.g. the server's /tokenize), so a
  // max_length beyond the position embeddings is allowed: nothing is encoded.
  const size_t limit =
      !truncate && max_length && *max_length >= 2 ? *max_length : impl_->max_length(options);
  auto enc = impl_->tokenize(text, 0, limit, truncate);
  return TokenizedText{std::move(enc.ids), std::move(enc.type_ids), std::move(enc.tokens),
                       std::move(enc.offsets)};
}

std::string Model::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  return impl_->tokenizer.decode(ids, skip_special_tokens);
}

size_t Model::dimension() const {
  return static_cast<size_t>(impl_->directory.embedding_dimension);
}
size_t Model::max_seq_length() const { return impl_->info.max_seq_length; }
const ModelInfo& Model::info() const { return impl_->info; }

}  // namespace sembed

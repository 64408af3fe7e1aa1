// CrossEncoder: a sequence-classification model over the same load and encode pipeline as Model
// (model_impl.hpp): pairs are tokenized together, packed and run through the encoder; each
// pair's first token (or mean) goes through the family's classifier head; the activation and
// softmax follow sentence-transformers' CrossEncoder.predict.
#include <sembed/cross_encoder.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "engine/model_impl.hpp"
#include "model/classifier_head.hpp"
#include "ops/cpu/parallel.hpp"

namespace sembed {

struct CrossEncoder::Impl {
  std::unique_ptr<Model::Impl> core;
  loader::CrossEncoderConfig config;
  model::ClassifierHead head;

  Impl(std::unique_ptr<Model::Impl> c, const loader::WeightStore& weights)
      : core(std::move(c)),
        config(*core->directory.cross_encoder),
        head(config.head, core->encoder.hidden_size(), weights) {}

  // Pair `a`, `b` (or the text `a` alone) tokenized as the model sees it (see tokenize()).
  tokenizer::Encoding tokenize(std::string_view a, std::optional<std::string_view> b,
                               size_t index, size_t max_length, bool truncate) const;
  // [encodings.size(), num_labels] logits.
  Matrix logits(const std::vector<tokenizer::Encoding>& encodings,
                const EncodeOptions& encode) const;
};

namespace {

float score_activation(loader::ScoreActivation a, float x) {
  switch (a) {
    case loader::ScoreActivation::Identity:
      return x;
    case loader::ScoreActivation::Sigmoid:
      return 1.f / (1.f + std::exp(-x));
    case loader::ScoreActivation::Tanh:
      return std::tanh(x);
  }
  return x;
}

// torch.softmax over one row: exp(x - max) / sum.
void softmax_row(float* x, size_t n) {
  const float m = *std::max_element(x, x + n);
  float sum = 0.f;
  for (size_t i = 0; i < n; ++i) sum += (x[i] = std::exp(x[i] - m));
  for (size_t i = 0; i < n; ++i) x[i] /= sum;
}

}  // namespace

CrossEncoder::CrossEncoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CrossEncoder::~CrossEncoder() = default;

std::shared_ptr<CrossEncoder> CrossEncoder::load(const std::filesystem::path& dir,
                                                 const LoadOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const ops::cpu::ScopedThreadCount single(1);  // as Model::load (model.cpp says why)
  auto loaded = load_model(dir, options);
  const auto& md = loaded.impl->directory;
  if (!md.cross_encoder)
    throw Error(dir.string() + ": is not a cross-encoder (" + md.encoder.architecture +
                " with sentence-transformers pooling embeds texts; a cross-encoder is a "
                "*ForSequenceClassification checkpoint): load it with sembed::Model");
  if (md.prompts.default_prompt_name)
    throw Error(dir.string() + ": the cross-encoder has a default prompt ('" +
                *md.prompts.default_prompt_name + "'), which sembed does not apply to pairs yet");
  auto impl = std::make_unique<Impl>(std::move(loaded.impl), loaded.weights);
  ModelInfo& info = impl->core->info;
  info.labels = impl->config.labels;
  info.activation = to_string(impl->config.activation);
  info.modules = {loader::describe_classifier(impl->config)};
  info.pooling = impl->config.head.mean_pool ? PoolingMode::Mean : PoolingMode::Cls;
  info.parameter_count += impl->head.parameter_count();
  info.load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return std::make_shared<CrossEncoder>(std::move(impl));
}

namespace {

EncodeOptions encode_options(const PredictOptions& options) {
  EncodeOptions encode;
  encode.max_length = options.max_length;
  encode.batch_size = options.batch_size;
  encode.progress = options.progress;
  return encode;
}

}  // namespace

Matrix CrossEncoder::Impl::logits(const std::vector<tokenizer::Encoding>& encodings,
                                  const EncodeOptions& encode) const {
  const size_t hidden = static_cast<size_t>(core->encoder.hidden_size());
  Matrix selected(encodings.size(), hidden);
  core->run(encodings, encode, [&](size_t index, const float* tokens, size_t n_tokens) {
    head.select(tokens, n_tokens, selected.row(index));
  });
  Matrix scores(encodings.size(), config.labels.size());
  head.forward(selected.data.data(), encodings.size(), scores.data.data(), core->threads);
  return scores;
}

tokenizer::Encoding CrossEncoder::Impl::tokenize(std::string_view a,
                                                 std::optional<std::string_view> b, size_t index,
                                                 size_t max_length, bool truncate) const {
  tokenizer::Encoding enc = b ? core->tokenize_pair(a, *b, index, max_length, truncate)
                              : core->tokenize(a, index, max_length, truncate);
  // The model sees the second text's type ids only when the HF tokenizer returns them.
  if (!config.pair_type_ids) std::fill(enc.type_ids.begin(), enc.type_ids.end(), 0);
  return enc;
}

Matrix CrossEncoder::predict(const std::vector<std::pair<std::string, std::string>>& pairs,
                             const PredictOptions& options) const {
  const EncodeOptions encode = encode_options(options);
  const size_t max_length = impl_->core->max_length(encode);
  std::vector<tokenizer::Encoding> encodings;
  encodings.reserve(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i)
    encodings.push_back(
        impl_->tokenize(pairs[i].first, pairs[i].second, i, max_length, options.truncate));
  Matrix scores = impl_->logits(encodings, encode);
  apply_activation(scores, options);
  return scores;
}

Matrix CrossEncoder::predict_ids(const std::vector<std::vector<int32_t>>& ids,
                                 const std::vector<std::vector<int32_t>>& type_ids,
                                 const PredictOptions& options) const {
  if (!type_ids.empty() && type_ids.size() != ids.size())
    throw Error("predict_ids: " + std::to_string(type_ids.size()) + " type id lists for " +
                std::to_string(ids.size()) + " sequences (one per sequence, or none)");
  const EncodeOptions encode = encode_options(options);
  const size_t max_length = impl_->core->max_length(encode);
  const int vocab = impl_->core->directory.encoder.vocab_size;
  std::vector<tokenizer::Encoding> encodings(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string name = "sequence " + std::to_string(i);
    if (ids[i].empty()) throw Error(name + ": token id list is empty");
    if (ids[i].size() > max_length)
      throw Error(name + " has " + std::to_string(ids[i].size()) +
                  " tokens, more than the maximum of " + std::to_string(max_length));
    for (int32_t id : ids[i])
      if (id < 0 || id >= vocab)
        throw Error(name + ": token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                    std::to_string(vocab) + ")");
    encodings[i].ids = ids[i];
    if (!type_ids.empty()) {
      if (type_ids[i].size() != ids[i].size())
        throw Error(name + ": " + std::to_string(type_ids[i].size()) + " type ids for " +
                    std::to_string(ids[i].size()) + " tokens");
      encodings[i].type_ids = type_ids[i];
    }
  }
  Matrix scores = impl_->logits(encodings, encode);
  apply_activation(scores, options);
  return scores;
}

void CrossEncoder::apply_activation(Matrix& scores, const PredictOptions& options) const {
  if (options.apply_activation)
    for (float& v : scores.data) v = score_activation(impl_->config.activation, v);
  if (options.apply_softmax && scores.cols > 1)
    for (size_t r = 0; r < scores.rows; ++r) softmax_row(scores.row(r), scores.cols);
}

std::vector<RankedDocument> CrossEncoder::rank(std::string_view query,
                                               const std::vector<std::string>& documents,
                                               std::optional<size_t> top_k,
                                               const PredictOptions& options) const {
  if (num_labels() != 1)
    throw Error("rank needs a cross-encoder with one label; this one has " +
                std::to_string(num_labels()) + " (use predict)");
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(documents.size());
  for (const auto& d : documents) pairs.emplace_back(std::string(query), d);
  const Matrix scores = predict(pairs, options);
  std::vector<RankedDocument> ranked(documents.size());
  for (size_t i = 0; i < ranked.size(); ++i) ranked[i] = {i, scores.data[i]};
  // Python's sorted(reverse=True) is stable: equal scores keep input order.
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const RankedDocument& a, const RankedDocument& b) { return a.score > b.score; });
  if (top_k && *top_k < ranked.size()) ranked.resize(*top_k);
  return ranked;
}

namespace {

TokenizedText to_tokenized_text(tokenizer::Encoding enc) {
  return TokenizedText{std::move(enc.ids), std::move(enc.type_ids), std::move(enc.tokens),
                       std::move(enc.offsets)};
}

}  // namespace

TokenizedText CrossEncoder::tokenize(std::string_view a, std::string_view b,
                                     std::optional<size_t> max_length, bool truncate) const {
  EncodeOptions options;
  options.max_length = max_length;
  return to_tokenized_text(
      impl_->tokenize(a, b, 0, impl_->core->max_length(options), truncate));
}

TokenizedText CrossEncoder::tokenize(std::string_view text, std::optional<size_t> max_length,
                                     bool truncate) const {
  EncodeOptions options;
  options.max_length = max_length;
  return to_tokenized_text(
      impl_->tokenize(text, std::nullopt, 0, impl_->core->max_length(options), truncate));
}

size_t CrossEncoder::num_labels() const { return impl_->config.labels.size(); }
size_t CrossEncoder::max_seq_length() const { return impl_->core->info.max_seq_length; }
const ModelInfo& CrossEncoder::info() const { return impl_->core->info; }

}  // namespace sembed

// The encode pipeline: texts (with the prompt prepended) -> token sequences -> batches (longest
// first, packed without padding; only tokens the tokenizer's attention mask marks real) ->
// encoder -> pooling (without the prompt's tokens when include_prompt is false) -> the Dense /
// Normalize modules in modules.json order, results in input order.
// Sorting only groups similar lengths for cache locality; because sequences are packed and never
// attend to each other, a sentence's embedding does not depend on what it is batched with.
#include <utf8proc.h>

#include <algorithm>
#include <numeric>
#include <optional>

#include "core/utf8.hpp"
#include "engine/model_impl.hpp"
#include "pooling/pooling.hpp"

namespace sembed {
namespace {

// Python's str.lower() per code point (sentence-transformers' do_lower_case), with utf8proc's
// simple lowercase mapping; the few multi-character lowercasings of Python (e.g. U+0130) are not
// reproduced. nullopt when the text is not valid UTF-8 (the tokenizer then reports where).
std::optional<std::string> lowercase(std::string_view text) {
  if (utf8::find_invalid(text)) return std::nullopt;
  std::vector<char32_t> code_points;
  utf8::decode(text, code_points);
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : code_points)
    utf8::append(out, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))));
  return out;
}

std::string input_label(size_t index) { return "input " + std::to_string(index); }

}  // namespace

size_t Model::Impl::max_length(const EncodeOptions& options) const {
  const size_t limit = static_cast<size_t>(directory.encoder.max_tokens());
  const size_t wanted = options.max_length.value_or(static_cast<size_t>(directory.max_seq_length));
  if (wanted < 2)
    throw Error("max_length " + std::to_string(wanted) +
                " is too small: [CLS] and [SEP] alone take 2 tokens");
  if (wanted > limit)
    throw Error("max_length " + std::to_string(wanted) + " exceeds the " + std::to_string(limit) +
                " tokens the model's position embeddings allow");
  return wanted;
}

tokenizer::Encoding Model::Impl::tokenize(std::string_view text, size_t index, size_t max_length,
                                          bool truncate) const {
  try {
    tokenizer::EncodeOptions options;
    if (truncate) options.max_length = max_length;
    std::optional<std::string> lowered;
    if (directory.do_lower_case.value_or(false)) lowered = lowercase(text);
    tokenizer::Encoding enc = tokenizer.encode(lowered ? *lowered : text, options);
    if (!truncate && enc.size() > max_length)
      throw Error("is " + std::to_string(enc.size()) + " tokens long, more than max_length " +
                  std::to_string(max_length) + " (truncation is off)");
    return enc;
  } catch (const Error& e) {
    throw Error(input_label(index) + ": " + e.what());
  }
}

tokenizer::Encoding Model::Impl::tokenize_pair(std::string_view a, std::string_view b,
                                               size_t index, size_t max_length,
                                               bool truncate) const {
  try {
    tokenizer::EncodeOptions options;
    if (truncate) options.max_length = max_length;
    std::optional<std::string> lower_a, lower_b;
    if (directory.do_lower_case.value_or(false)) {
      lower_a = lowercase(a);
      lower_b = lowercase(b);
    }
    tokenizer::Encoding enc =
        tokenizer.encode_pair(lower_a ? *lower_a : a, lower_b ? *lower_b : b, options);
    if (!truncate && enc.size() > max_length)
      throw Error("is " + std::to_string(enc.size()) + " tokens long, more than max_length " +
                  std::to_string(max_length) + " (truncation is off)");
    return enc;
  } catch (const Error& e) {
    throw Error("pair " + std::to_string(index) + ": " + e.what());
  }
}

size_t Model::Impl::prompt_length(const std::string& prompt, size_t max_length) const {
  if (prompt.empty()) return 0;
  const tokenizer::Encoding enc = tokenize(prompt, 0, max_length, true);
  tokenizer::EncodeOptions plain;
  plain.add_special_tokens = false;
  const tokenizer::Encoding bare = tokenizer.encode(prompt, plain);
  // sentence-transformers drops a trailing special token ([SEP], </s>) from the count. A token
  // the post-processor added has no text span (offsets (0, 0)); a prompt's own tokens do.
  size_t n = enc.size();
  if (n > bare.size() && n > 0 && enc.offsets.back() == std::pair<size_t, size_t>{0, 0}) --n;
  return n;
}

void Model::Impl::run(const std::vector<tokenizer::Encoding>& encodings,
                      const EncodeOptions& options,
                      const std::function<void(size_t, const float*, size_t)>& sink) const {
  if (options.batch_size == 0) throw Error("batch_size must be at least 1");
  const size_t hidden = static_cast<size_t>(encoder.hidden_size());
  std::vector<size_t> order(encodings.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return encodings[a].size() > encodings[b].size(); });

  model::PackedBatch batch;
  model::EncoderOutput output;
  for (size_t start = 0; start < order.size(); start += options.batch_size) {
    const size_t end = std::min(order.size(), start + options.batch_size);
    batch.ids.clear();
    batch.type_ids.clear();
    batch.seq_offsets.assign(1, 0);
    for (size_t k = start; k < end; ++k) {
      const auto& enc = encodings[order[k]];
      // Real tokens only, by the tokenizer's attention mask (padding, if a tokenizer.json asked
      // for it, is dropped here; a pad id inside the text stays a real token, as in transformers).
      for (size_t t = 0; t < enc.ids.size(); ++t) {
        if (!enc.attention_mask.empty() && enc.attention_mask[t] == 0) continue;
        batch.ids.push_back(enc.ids[t]);
        batch.type_ids.push_back(enc.type_ids.empty() ? 0 : enc.type_ids[t]);
      }
      batch.seq_offsets.push_back(batch.ids.size());
    }
    encoder.forward(batch, output, /*want_pooler=*/false, threads);
    for (size_t k = start; k < end; ++k) {
      const size_t s = k - start;
      const size_t first = batch.seq_offsets[s];
      sink(order[k], output.last_hidden_state.data() + first * hidden,
           batch.seq_offsets[s + 1] - first);
    }
    if (options.progress) options.progress(end, order.size());
  }
}

Matrix Model::Impl::embed(const std::vector<tokenizer::Encoding>& encodings,
                          const EncodeOptions& options,
                          const std::vector<size_t>& prompt_tokens) const {
  const size_t hidden = static_cast<size_t>(encoder.hidden_size());
  const PoolingMode mode = options.pooling.value_or(directory.pooling.mode);
  const bool skip_prompt = !directory.pooling.include_prompt && !prompt_tokens.empty();
  Matrix pooled(encodings.size(), hidden);
  run(encodings, options, [&](size_t index, const float* tokens, size_t n_tokens) {
    pooling::pool(mode, tokens, n_tokens, hidden, pooled.row(index),
                  skip_prompt ? prompt_tokens[index] : 0);
  });
  // The modules after Pooling. Rows are independent, so running them on the whole matrix gives
  // each row what it would get alone (Dense's matmul rows are bit-identical for any row count).
  const auto& modules = directory.modules;
  size_t last = modules.size();  // modules [0, last) run
  if (options.normalize == false && last > 0 &&
      modules.back().kind == loader::OutputModule::Kind::Normalize)
    --last;
  size_t dense_index = 0;
  Matrix x = std::move(pooled);
  for (size_t m = 0; m < last; ++m) {
    if (modules[m].kind == loader::OutputModule::Kind::Normalize) {
      for (size_t r = 0; r < x.rows; ++r) pooling::l2_normalize(x.row(r), x.cols);
      continue;
    }
    const model::DenseModule& d = dense[dense_index++];
    Matrix y(x.rows, static_cast<size_t>(d.out_features()));
    d.forward(x.data.data(), x.rows, y.data.data(), threads);
    x = std::move(y);
  }
  if (options.normalize == true && !directory.normalize)
    for (size_t r = 0; r < x.rows; ++r) pooling::l2_normalize(x.row(r), x.cols);
  return x;
}

}  // namespace sembed

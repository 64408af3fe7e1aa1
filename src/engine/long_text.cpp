// Chunk mode for texts longer than the model takes (EncodeOptions::long_text = Chunk; the
// definition users read is docs/long-text.md).
//
// A text (with its prompt) is tokenized once, without truncation. Its own tokens — those between
// the prompt and the trailing special tokens — are cut into windows of `capacity` tokens, where
// capacity is max_length less the special tokens and the prompt, which every window repeats.
// Consecutive windows share chunk_overlap tokens; the last window ends at the text's end and may
// be shorter. Every window is embedded as a text of its own (so each window's vector is what
// sentence-transformers gives for those token ids), and the text's vector is the mean of its
// windows' vectors before the final Normalize, weighted by the text tokens each window holds.
// Windows are never cut at word boundaries: a window may begin inside a word (a "##" piece);
// the overlap gives the word its context in the previous window.
#include <algorithm>

#include "core/utf8.hpp"
#include "engine/model_impl.hpp"
#include "engine/window_mean.hpp"
#include "pooling/pooling.hpp"

namespace sembed {
namespace {

std::vector<int32_t> real_ids(const tokenizer::Encoding& enc) {
  std::vector<int32_t> ids;
  for (size_t t = 0; t < enc.ids.size(); ++t)
    if (enc.attention_mask.empty() || enc.attention_mask[t] != 0) ids.push_back(enc.ids[t]);
  return ids;
}

bool starts_with(const std::vector<int32_t>& ids, const std::vector<int32_t>& head) {
  return ids.size() >= head.size() && std::equal(head.begin(), head.end(), ids.begin());
}

bool ends_with(const std::vector<int32_t>& ids, const std::vector<int32_t>& tail) {
  return ids.size() >= tail.size() && std::equal(tail.rbegin(), tail.rend(), ids.rbegin());
}

tokenizer::Encoding encoding_of(const TextChunk& chunk) {
  tokenizer::Encoding enc;
  enc.ids = chunk.ids;
  enc.type_ids.assign(chunk.ids.size(), 0);
  enc.attention_mask.assign(chunk.ids.size(), 1);
  enc.untruncated_length = chunk.ids.size();
  return enc;
}

}  // namespace

std::optional<Model::Impl::SpecialFrame> find_special_frame(const tokenizer::Tokenizer& tok) {
  // Any text works as a probe as long as it is tokenized the same alone and inside the template.
  const std::string probe = "probe text";
  tokenizer::EncodeOptions plain;
  plain.add_special_tokens = false;
  const std::vector<int32_t> with = real_ids(tok.encode(probe));
  const std::vector<int32_t> bare = real_ids(tok.encode(probe, plain));
  if (bare.empty() || with.size() < bare.size()) return std::nullopt;
  for (size_t p = 0; p + bare.size() <= with.size(); ++p) {
    if (!std::equal(bare.begin(), bare.end(), with.begin() + static_cast<std::ptrdiff_t>(p)))
      continue;
    Model::Impl::SpecialFrame frame;
    frame.prefix.assign(with.begin(), with.begin() + static_cast<std::ptrdiff_t>(p));
    frame.suffix.assign(with.begin() + static_cast<std::ptrdiff_t>(p + bare.size()), with.end());
    return frame;
  }
  return std::nullopt;
}

std::vector<TextChunk> Model::Impl::chunk(std::string_view text, size_t index,
                                          const std::string& prompt,
                                          const EncodeOptions& options) const {
  const size_t max_len = max_length(options);
  if (!frame)
    throw Error(
        "chunk mode: this model's tokenizer does not put fixed special tokens around a text "
        "(tokenizer.json post_processor), so its windows cannot be built; use truncation");
  const std::string prompted = prompt + std::string(text);
  tokenizer::Encoding enc = tokenize(prompted, index, SIZE_MAX, /*truncate=*/false);
  // Drop padding a tokenizer.json may ask for; keep the offsets aligned with the ids.
  std::vector<int32_t> ids;
  std::vector<std::pair<size_t, size_t>> offsets;
  for (size_t t = 0; t < enc.ids.size(); ++t) {
    if (!enc.attention_mask.empty() && enc.attention_mask[t] == 0) continue;
    ids.push_back(enc.ids[t]);
    offsets.push_back(enc.offsets[t]);
  }
  const size_t n_prefix = frame->prefix.size(), n_suffix = frame->suffix.size();
  if (!starts_with(ids, frame->prefix) || !ends_with(ids, frame->suffix) ||
      ids.size() < n_prefix + n_suffix)
    throw Error("input " + std::to_string(index) +
                ": chunk mode: the tokenizer did not wrap this text in the special tokens it "
                "puts around other texts");
  const size_t prompt_len = prompt_length(prompt, max_len);
  // The prompt's tokens after the leading special tokens (prompt_length counts those too).
  const size_t head = std::max(prompt_len, n_prefix);
  if (head + n_suffix > ids.size())
    throw Error("input " + std::to_string(index) + ": chunk mode: the prompt's " +
                std::to_string(prompt_len) + " tokens are not at the start of the text's tokens");
  const size_t text_tokens = ids.size() - head - n_suffix;
  // Offsets are into prompt + text; the boundaries are into the text.
  const size_t prompt_chars = utf8::count_code_points(prompt);
  auto text_char = [&](size_t offset) { return offset > prompt_chars ? offset - prompt_chars : 0; };

  auto make_chunk = [&](size_t begin, size_t end) {
    TextChunk c;
    c.prompt_tokens = prompt_len;
    c.token_begin = begin;
    c.token_end = end;
    if (end > begin) {
      c.char_begin = text_char(offsets[head + begin].first);
      c.char_end = text_char(offsets[head + end - 1].second);
    }
    c.ids.reserve(head + (end - begin) + n_suffix);
    c.ids.insert(c.ids.end(), ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(head));
    c.ids.insert(c.ids.end(), ids.begin() + static_cast<std::ptrdiff_t>(head + begin),
                 ids.begin() + static_cast<std::ptrdiff_t>(head + end));
    c.ids.insert(c.ids.end(), frame->suffix.begin(), frame->suffix.end());
    return c;
  };

  std::vector<TextChunk> chunks;
  if (ids.size() <= max_len) {
    chunks.push_back(make_chunk(0, text_tokens));
    return chunks;
  }
  if (head + n_suffix >= max_len)
    throw Error("chunk mode: the prompt and special tokens take " +
                std::to_string(head + n_suffix) + " of the " + std::to_string(max_len) +
                " tokens of a window, leaving none for the text");
  const size_t capacity = max_len - head - n_suffix;
  if (options.chunk_overlap >= capacity)
    throw Error("chunk_overlap " + std::to_string(options.chunk_overlap) +
                " must be less than the " + std::to_string(capacity) +
                " text tokens a window holds (max_length " + std::to_string(max_len) +
                " less the special tokens and the prompt)");
  const size_t stride = capacity - options.chunk_overlap;
  for (size_t begin = 0;; begin += stride) {
    const size_t end = std::min(begin + capacity, text_tokens);
    chunks.push_back(make_chunk(begin, end));
    if (end == text_tokens) break;
  }
  return chunks;
}

Matrix Model::Impl::encode_chunked(const std::vector<std::string>& texts,
                                   const std::string& prompt,
                                   const EncodeOptions& options) const {
  EncodeOptions window_options = options;
  window_options.long_text = LongText::Truncate;
  // The windows' vectors before a final Normalize; the text's mean is normalized below instead.
  window_options.normalize = false;
  std::vector<tokenizer::Encoding> windows;
  std::vector<size_t> prompt_tokens;
  std::vector<size_t> first_window(texts.size() + 1, 0);
  std::vector<size_t> weights;
  for (size_t i = 0; i < texts.size(); ++i) {
    for (const TextChunk& c : chunk(texts[i], i, prompt, options)) {
      windows.push_back(encoding_of(c));
      prompt_tokens.push_back(c.prompt_tokens);
      weights.push_back(c.token_end - c.token_begin);
    }
    first_window[i + 1] = windows.size();
  }
  const Matrix rows = embed_cached(std::move(windows), window_options, prompt_tokens);
  Matrix out = engine::mean_of_windows(rows, first_window, weights);
  if (options.normalize.value_or(directory.normalize))
    for (size_t i = 0; i < out.rows; ++i) pooling::l2_normalize(out.row(i), out.cols);
  return out;
}

std::vector<TextChunk> Model::chunk(std::string_view text, const EncodeOptions& options) const {
  return impl_->chunk(text, 0, resolve_prompt(options), options);
}

std::vector<ChunkedText> Model::encode_chunks(const std::vector<std::string>& texts,
                                              const EncodeOptions& options) const {
  const std::string prompt = resolve_prompt(options);
  std::vector<ChunkedText> out(texts.size());
  std::vector<tokenizer::Encoding> windows;
  std::vector<size_t> prompt_tokens;
  for (size_t i = 0; i < texts.size(); ++i) {
    out[i].chunks = impl_->chunk(texts[i], i, prompt, options);
    for (const TextChunk& c : out[i].chunks) {
      windows.push_back(encoding_of(c));
      prompt_tokens.push_back(c.prompt_tokens);
    }
  }
  EncodeOptions window_options = options;
  window_options.long_text = LongText::Truncate;
  const Matrix rows = impl_->embed_cached(std::move(windows), window_options, prompt_tokens);
  size_t next = 0;
  for (ChunkedText& t : out) {
    t.embeddings = Matrix(t.chunks.size(), rows.cols);
    for (size_t k = 0; k < t.chunks.size(); ++k, ++next)
      std::copy(rows.row(next), rows.row(next) + rows.cols, t.embeddings.row(k));
  }
  return out;
}

}  // namespace sembed

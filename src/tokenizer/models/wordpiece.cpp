// WordPiece (see wordpiece.hpp). The word is encoded to UTF-8 once; candidate pieces are
// byte ranges of it, tried from the longest (bounded by the longest vocab entry) down to one
// code point, like the reference.
#include "tokenizer/models/wordpiece.hpp"

#include <sembed/error.hpp>

#include "core/utf8.hpp"

namespace sembed::tokenizer {

WordPiece::WordPiece(Vocab vocab, WordPieceOptions options)
    : vocab_(std::move(vocab)), options_(std::move(options)) {
  vocab_.set_continuing_prefix(options_.continuing_subword_prefix);
  vocab_.finalize();
  unk_id_ = vocab_.find(options_.unk_token);
  if (unk_id_ < 0) {
    throw Error("WordPiece: unk_token '" + options_.unk_token + "' is not in the vocabulary");
  }
}

void WordPiece::tokenize(const char32_t* word, size_t n, std::vector<ModelToken>& out) const {
  thread_local std::string bytes;
  thread_local std::vector<uint32_t> boundaries;
  const uint32_t len = static_cast<uint32_t>(n);
  if (n > options_.max_input_chars_per_word) {
    out.push_back({unk_id_, 0, len, false});
    return;
  }
  // bytes: UTF-8 of the word; boundaries[i]: byte offset of code point i (boundaries[n] = end).
  bytes.clear();
  boundaries.clear();
  for (size_t i = 0; i < n; ++i) {
    boundaries.push_back(static_cast<uint32_t>(bytes.size()));
    utf8::append(bytes, word[i]);
  }
  boundaries.push_back(static_cast<uint32_t>(bytes.size()));

  const bool has_prefix = !options_.continuing_subword_prefix.empty();
  const size_t first_out = out.size();
  uint32_t start = 0;
  while (start < len) {
    const size_t max_bytes =
        start == 0 || !has_prefix ? vocab_.max_initial_length() : vocab_.max_continuation_length();
    // Largest end whose piece fits in max_bytes.
    uint32_t end = len;
    while (end > start && boundaries[end] - boundaries[start] > max_bytes) --end;
    int32_t id = -1;
    for (; end > start; --end) {
      const std::string_view piece(bytes.data() + boundaries[start],
                                   boundaries[end] - boundaries[start]);
      if (start == 0) {
        id = vocab_.find(piece);
      } else if (has_prefix) {
        id = vocab_.find_continuation(piece);
      } else {
        id = vocab_.find(piece);
      }
      if (id >= 0) break;
    }
    if (id < 0) {
      out.resize(first_out);
      out.push_back({unk_id_, 0, len, false});
      return;
    }
    out.push_back({id, start, end, false});
    start = end;
  }
}

}  // namespace sembed::tokenizer

namespace sembed::tokenizer {

std::unique_ptr<Model> build_wordpiece(const json& m, const StageContext& ctx) {
  WordPieceOptions wo;
  wo.unk_token = ctx.get_string(m, "unk_token", "[UNK]");
  wo.continuing_subword_prefix = ctx.get_string(m, "continuing_subword_prefix", "##");
  wo.max_input_chars_per_word =
      static_cast<size_t>(ctx.get_int(m, "max_input_chars_per_word", 0, kMaxCount, 100));
  Vocab vocab;
  const json& v = ctx.require_object(m, "vocab");
  for (auto& [token, id] : v.items()) {
    // Ids index dense tables: refuse negative or absurd ones instead of allocating for them.
    vocab.add(token, static_cast<int32_t>(ctx.int_value(id, 0, (int64_t{1} << 24) - 1,
                                                        ctx.path + ".vocab['" + token + "']")));
  }
  try {
    return std::make_unique<WordPiece>(std::move(vocab), std::move(wo));
  } catch (const Error& e) {
    throw Error(ctx.origin + ": " + ctx.path + ": " + e.what());
  }
}

}  // namespace sembed::tokenizer

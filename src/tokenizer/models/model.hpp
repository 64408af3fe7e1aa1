// The model stage interface: turns one split (code points) into tokens, each with its id and
// its [begin, end) range in the split's code points. Dispatched once per split.
// Does not: split text (pre_tokenizers/) or add special tokens (processors/).
// Thread safety: implementations are immutable after construction; tokenize() may be called
// from many threads (working memory is thread_local).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sembed::tokenizer {

struct ModelToken {
  int32_t id;
  uint32_t begin, end;  // [begin, end) in the split's code points
  // true: the token's string is the split's text [begin, end) (Unigram's unknown pieces);
  // false: the vocabulary's string for id.
  bool text_is_token = false;
};

class Model {
 public:
  virtual ~Model() = default;
  // Appends the tokens of chars[0..n) to `out`. Throws sembed::Error where the reference errors.
  virtual void tokenize(const char32_t* chars, size_t n, std::vector<ModelToken>& out) const = 0;
  // -1 when the vocabulary has no such token.
  virtual int32_t token_to_id(std::string_view token) const = 0;
  // The vocabulary's string for id ("" when it has none).
  virtual const std::string& id_to_token(int32_t id) const = 0;
  // Number of vocabulary entries (the reference's get_vocab_size without added tokens).
  virtual size_t vocab_size() const = 0;
  // One past the largest id.
  virtual size_t id_bound() const = 0;
};

}  // namespace sembed::tokenizer

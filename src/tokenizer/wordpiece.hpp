// WordPiece: the model stage. Greedy longest match from the left; pieces after the first are
// looked up with the continuing-subword prefix ("##"); a word longer than
// max_input_chars_per_word code points, or with any position where no piece matches, becomes
// the single unknown token spanning the whole word.
// Does not: split text into words (pre_tokenizer.hpp).
// Thread safety: immutable after construction; tokenize() takes caller-owned scratch memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/vocab.hpp"

namespace sembed::tokenizer {

struct WordPieceOptions {
  std::string unk_token = "[UNK]";
  std::string continuing_subword_prefix = "##";
  size_t max_input_chars_per_word = 100;
};

// One piece of a word: vocab id and [begin, end) in the word's code points.
struct Piece {
  int32_t id;
  uint32_t begin, end;
};

class WordPiece {
 public:
  // Throws sembed::Error when unk_token is not in the vocabulary.
  WordPiece(Vocab vocab, WordPieceOptions options);

  // Appends the pieces of word[0..n) (code points) to `out`. `scratch` is reused memory.
  void tokenize(const char32_t* word, size_t n, std::vector<Piece>& out,
                std::string& scratch, std::vector<uint32_t>& boundaries) const;

  const Vocab& vocab() const { return vocab_; }
  int32_t unk_id() const { return unk_id_; }
  const WordPieceOptions& options() const { return options_; }

 private:
  Vocab vocab_;
  WordPieceOptions options_;
  int32_t unk_id_ = -1;
};

}  // namespace sembed::tokenizer

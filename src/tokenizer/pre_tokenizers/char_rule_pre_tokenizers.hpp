// The pre-tokenizers defined by a rule on single characters:
//   Whitespace       what the regex \w+|[^\w\s]+ keeps (the Rust regex crate's \w, which
//                    the reference now implements by hand): runs of word characters and runs
//                    of other non-space characters; spaces dropped
//   WhitespaceSplit  split on Rust char::is_whitespace, which is dropped
//   Punctuation      each punctuation character (ASCII or Unicode P*) split off with a
//                    SplitBehavior (default Isolated)
//   Digits           numeric characters (Rust char::is_numeric) split off, each alone
//                    (individual_digits) or in runs
// Character classes are the reference's (char_classes.hpp, unicode_props.hpp).
// Does not: run regexes (split_pre_tokenizer.hpp).
// Thread safety: immutable after construction.
#pragma once

#include "tokenizer/pre_tokenizers/pre_tokenizer.hpp"
#include "tokenizer/pre_tokenizers/split_behavior.hpp"

namespace sembed::tokenizer {

class WhitespacePreTokenizer : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenized& pt) const override;
};

class WhitespaceSplitPreTokenizer : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenized& pt) const override;
};

class PunctuationPreTokenizer : public PreTokenizer {
 public:
  explicit PunctuationPreTokenizer(SplitBehavior behavior) : behavior_(behavior) {}
  void pre_tokenize(PreTokenized& pt) const override;

 private:
  SplitBehavior behavior_;
};

class DigitsPreTokenizer : public PreTokenizer {
 public:
  explicit DigitsPreTokenizer(bool individual_digits) : individual_(individual_digits) {}
  void pre_tokenize(PreTokenized& pt) const override;

 private:
  bool individual_;
};

}  // namespace sembed::tokenizer

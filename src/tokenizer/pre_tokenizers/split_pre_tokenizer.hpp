// Split pre-tokenizer: cuts pieces at the matches of a pattern — a literal string or a regex
// (Regex, Oniguruma like the reference) — with a SplitBehavior, optionally inverted (the
// matches become the pieces kept apart and the rest the delimiters). A string pattern is
// escaped and run as a regex, as the reference does, so empty strings behave as there.
// Sequence: pre-tokenizers applied in order.
// Does not: hand-written character rules (char_rule_pre_tokenizers.hpp).
// Thread safety: immutable after construction.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tokenizer/pre_tokenizers/pre_tokenizer.hpp"
#include "tokenizer/pre_tokenizers/split_behavior.hpp"
#include "tokenizer/regex.hpp"

namespace sembed::tokenizer {

class SplitPreTokenizer : public PreTokenizer {
 public:
  // `regex`: a regex when true, a literal string when false. Throws sembed::Error naming
  // `where` for a bad regex.
  SplitPreTokenizer(const std::string& pattern, bool regex, SplitBehavior behavior, bool invert,
                    const std::string& where);
  void pre_tokenize(PreTokenized& pt) const override;

 private:
  Regex regex_;
  SplitBehavior behavior_;
  bool invert_;
};

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> stages)
      : stages_(std::move(stages)) {}
  void pre_tokenize(PreTokenized& pt) const override {
    for (const auto& stage : stages_) stage->pre_tokenize(pt);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> stages_;
};

// The regex source matching `literal` exactly (ASCII punctuation escaped).
std::string escape_regex_literal(const std::string& literal);

}  // namespace sembed::tokenizer

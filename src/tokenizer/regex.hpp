// Regex: the regular expressions of tokenizer.json (Split pre-tokenizer, Replace normalizer),
// run by Oniguruma — the engine the reference (tokenizers) runs them with, Ruby syntax, UTF-8 —
// so that syntax and semantics (\w with marks, \h, \s with U+0085, possessive forms, lookbehind)
// are the reference's own. Measured alternative: PCRE2 10.42 (UTF+UCP) differs from the
// reference on \w for 3,436 more code points (combining marks) and on \s for U+180E.
// What still differs: Debian's Oniguruma 6.9.8 has Unicode 14 tables, the reference's 6.9.10
// Unicode 16, so \p{L}, \p{N}, \w ... disagree on code points assigned in Unicode 15-16
// (docs/tokenizer.md). The hot GPT-2 / Whitespace patterns do not use this class: their
// pre-tokenizers are hand-written over tables taken from the reference (char_classes.hpp).
// find_all iterates matches as the reference does (onig's find_iter: an empty match right after
// the previous match is skipped by advancing one character).
// Does not: split or replace (callers turn matches into pieces).
// Thread safety: immutable after construction; find_all may run from many threads (each call
// uses its own match region).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sembed::tokenizer {

class Regex {
 public:
  // Throws sembed::Error "<where>: invalid regex '<pattern>': <engine message>".
  Regex(std::string_view pattern, const std::string& where);
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;
  ~Regex();

  // Appends the [begin, end) byte ranges of successive matches in `text` (valid UTF-8).
  void find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const;

  const std::string& pattern() const { return pattern_; }

 private:
  struct Compiled;
  std::string pattern_;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace sembed::tokenizer

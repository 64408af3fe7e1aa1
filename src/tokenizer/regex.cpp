// Regex (see regex.hpp) over Oniguruma's C API.
#include "tokenizer/regex.hpp"

#include <oniguruma.h>

#include <mutex>
#include <sembed/error.hpp>

namespace sembed::tokenizer {
namespace {

void initialize_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    OnigEncoding encodings[] = {ONIG_ENCODING_UTF8};
    onig_initialize(encodings, 1);
  });
}

size_t utf8_length_at(std::string_view text, size_t pos) {
  const unsigned char c = static_cast<unsigned char>(text[pos]);
  const size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  return std::min(n, text.size() - pos);
}

struct Region {
  OnigRegion* region = onig_region_new();
  ~Region() { onig_region_free(region, 1); }
};

}  // namespace

struct Regex::Compiled {
  regex_t* regex = nullptr;
  ~Compiled() {
    if (regex != nullptr) onig_free(regex);
  }
};

Regex::Regex(std::string_view pattern, const std::string& where)
    : pattern_(pattern), compiled_(std::make_unique<Compiled>()) {
  initialize_once();
  OnigErrorInfo info;
  const auto* p = reinterpret_cast<const OnigUChar*>(pattern_.data());
  const int rc = onig_new(&compiled_->regex, p, p + pattern_.size(), ONIG_OPTION_NONE,
                          ONIG_ENCODING_UTF8, ONIG_SYNTAX_RUBY, &info);
  if (rc != ONIG_NORMAL) {
    OnigUChar message[ONIG_MAX_ERROR_MESSAGE_LEN];
    onig_error_code_to_str(message, rc, &info);
    compiled_->regex = nullptr;
    throw Error(where + ": invalid regex '" + pattern_ + "': " + reinterpret_cast<char*>(message));
  }
}

Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;
Regex::~Regex() = default;

void Regex::find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const {
  thread_local Region region;
  const auto* begin = reinterpret_cast<const OnigUChar*>(text.data());
  const auto* end = begin + text.size();
  size_t last_end = 0;
  bool has_last_match = false;
  size_t last_match_end = 0;
  while (last_end <= text.size()) {
    const int r = onig_search(compiled_->regex, begin, end, begin + last_end, end, region.region,
                              ONIG_OPTION_NONE);
    if (r < 0) {
      if (r == ONIG_MISMATCH) return;
      OnigUChar message[ONIG_MAX_ERROR_MESSAGE_LEN];
      onig_error_code_to_str(message, r);
      throw Error("regex '" + pattern_ + "': search failed: " + reinterpret_cast<char*>(message));
    }
    const size_t s = static_cast<size_t>(region.region->beg[0]);
    const size_t e = static_cast<size_t>(region.region->end[0]);
    if (s == e && has_last_match && last_match_end == e) {
      // onig's find_iter: no empty match right after the previous match; step one character.
      last_end += last_end < text.size() ? utf8_length_at(text, last_end) : 1;
      continue;
    }
    last_end = e;
    has_last_match = true;
    last_match_end = e;
    out.emplace_back(s, e);
  }
}

}  // namespace sembed::tokenizer

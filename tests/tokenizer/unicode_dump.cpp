// unicode_dump: prints, for every Unicode scalar value, the facts the BERT stages use, in the
// format of scripts/tokenizer_unicode_probe.py (the reference side), so the two can be diffed.
//   unicode_dump base   facts from utf8proc alone (input of the override generator)
//   unicode_dump final  facts as the tokenizer uses them (must equal the reference)
// Columns: hex code point, clean_text class (R removed / S becomes space / K kept), chinese
// (C/N), NFD, nonspacing mark (1/0; '-' when NFD changes it), lowercase, pre-tokenizer class
// (O other / W whitespace / P punctuation), non-zero combining class (1/0; '-' when NFD
// changes it), regex word character (1/0).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tokenizer/unicode_props.hpp"

using namespace sembed::tokenizer::unicode;

static std::string hex_seq(const std::vector<char32_t>& v) {
  std::string s;
  char buf[16];
  for (size_t i = 0; i < v.size(); ++i) {
    std::snprintf(buf, sizeof buf, i ? " %x" : "%x", static_cast<unsigned>(v[i]));
    s += buf;
  }
  return s;
}

int main(int argc, char** argv) {
  const bool base = argc > 1 && std::strcmp(argv[1], "base") == 0;
  std::vector<char32_t> nfd, lower;
  std::string out;
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    const uint16_t f = base ? base_flags(cp) : flags(cp);
    const bool tnr = cp == '\t' || cp == '\n' || cp == '\r';
    char clean = 'K';
    if (cp == 0 || cp == 0xFFFD || ((f & kOther) && !tnr)) {
      clean = 'R';
    } else if (f & kWhitespace) {
      clean = 'S';
    }
    nfd.clear();
    lower.clear();
    if (base) {
      base_append_nfd(cp, nfd);
      base_append_lowercase(cp, lower);
    } else {
      append_nfd(cp, nfd);
      append_lowercase(cp, lower);
    }
    const bool decomposes = nfd.size() != 1 || nfd[0] != cp;
    const bool lowers = lower.size() != 1 || lower[0] != cp;
    // The normalizer trusts the flags to decide whether to look a mapping up: a flag that
    // disagrees with its mapping is printed as '!' so that the comparison fails.
    if (decomposes != ((f & kDecomposes) != 0)) nfd.assign(1, U'!');
    if (lowers != ((f & kLowerChanges) != 0)) lower.assign(1, U'!');
    const char pre = (f & kWhitespace) ? 'W' : (f & kPunctuation) ? 'P' : 'O';
    char line[64];
    std::snprintf(line, sizeof line, "%x\t%c\t%c\t", static_cast<unsigned>(cp), clean,
                  (f & kChinese) ? 'C' : 'N');
    out += line;
    out += hex_seq(nfd);
    out += '\t';
    out += decomposes ? '-' : ((f & kNonspacingMark) ? '1' : '0');
    out += '\t';
    out += hex_seq(lower);
    out += '\t';
    out += pre;
    out += '\t';
    out += decomposes ? '-' : ((f & kCombining) ? '1' : '0');
    out += '\t';
    out += (f & kWord) ? '1' : '0';
    out += '\n';
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

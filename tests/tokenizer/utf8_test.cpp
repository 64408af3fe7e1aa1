// UTF-8 validation and decoding (src/core/utf8): strictness (overlongs, surrogates, > U+10FFFF,
// truncated sequences) and the reported offset of the first bad byte.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/utf8.hpp"

namespace sembed::utf8 {
namespace {

TEST(Utf8, AcceptsValidText) {
  EXPECT_FALSE(find_invalid(""));
  EXPECT_FALSE(find_invalid("plain ascii, long enough for the 8-byte path"));
  EXPECT_FALSE(find_invalid("caf\xC3\xA9 \xE6\x9D\xB1 \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"));
}

TEST(Utf8, ReportsFirstBadByte) {
  EXPECT_EQ(find_invalid("abc\x80"), 3u);                  // lone continuation byte
  EXPECT_EQ(find_invalid("ab\xC0\xAF"), 2u);               // overlong '/'
  EXPECT_EQ(find_invalid("\xE0\x80\xAF"), 0u);             // overlong 3-byte
  EXPECT_EQ(find_invalid("x\xED\xA0\x80"), 1u);            // surrogate U+D800
  EXPECT_EQ(find_invalid("\xF4\x90\x80\x80"), 0u);         // above U+10FFFF
  EXPECT_EQ(find_invalid("ok\xE6\x9D"), 2u);               // truncated at end
  EXPECT_EQ(find_invalid("12345678\xFF"), 8u);             // after the ASCII fast path
  EXPECT_EQ(find_invalid("\xF8\x88\x80\x80\x80"), 0u);     // 5-byte form
}

TEST(Utf8, DecodesAndCounts) {
  std::vector<char32_t> cps;
  decode("a\xC3\xA9\xE6\x9D\xB1\xF0\x9F\x98\x80", cps);
  EXPECT_EQ(cps, (std::vector<char32_t>{U'a', 0xE9, 0x6771, 0x1F600}));
  EXPECT_EQ(count_code_points("a\xC3\xA9\xE6\x9D\xB1\xF0\x9F\x98\x80"), 4u);
  std::string back;
  for (char32_t c : cps) append(back, c);
  EXPECT_EQ(back, "a\xC3\xA9\xE6\x9D\xB1\xF0\x9F\x98\x80");
}

TEST(Utf8, DecodeStaysInBoundsOnBadInput) {
  std::vector<char32_t> cps;
  decode("\xF0\x9F", cps);  // truncated: unspecified value, but no overread
  EXPECT_EQ(cps.size(), 1u);
}

}  // namespace
}  // namespace sembed::utf8

// NFD, NFKD, NFC and NFKC normalizers, with the origins the reference gives (tokenizers runs
// the unicode-normalization-alignments crate): decomposition writes each input code point's
// decomposition, the first code point with change 0 and the rest as insertions (+1); canonical
// reordering sorts each run of non-starters by combining class, stably, the changes travelling
// with their code points; composition then folds a composed pair into one code point whose change
// is the sum of both minus one. TransformWriter (transform.hpp) turns the changes into origins.
// Unicode facts: canonical decompositions and combining classes from unicode_props (utf8proc plus
// the measured exceptions), compatibility decompositions and pair composition from utf8proc.
#include <utf8proc.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "tokenizer/normalizers/normalizer.hpp"
#include "tokenizer/normalizers/transform.hpp"
#include "tokenizer/stage_json.hpp"
#include "tokenizer/unicode_props.hpp"

namespace sembed::tokenizer {
namespace {

struct Item {
  char32_t c;
  long change;
  int ccc;
};

void decompose(char32_t c, bool compat, std::vector<char32_t>& out) {
  if (!compat) {
    if (unicode::flags(c) & unicode::kDecomposes) {
      unicode::append_nfd(c, out);
    } else {
      out.push_back(c);
    }
    return;
  }
  utf8proc_int32_t buf[32];
  int boundclass = 0;
  const utf8proc_ssize_t n = utf8proc_decompose_char(
      static_cast<utf8proc_int32_t>(c), buf, 32,
      static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT), &boundclass);
  if (n <= 0 || n > 32) {
    out.push_back(c);
    return;
  }
  for (utf8proc_ssize_t i = 0; i < n; ++i) out.push_back(static_cast<char32_t>(buf[i]));
}

std::optional<char32_t> compose_pair(char32_t a, char32_t b) {
  utf8proc_int32_t buf[2] = {static_cast<utf8proc_int32_t>(a), static_cast<utf8proc_int32_t>(b)};
  const utf8proc_ssize_t n = utf8proc_normalize_utf32(buf, 2, UTF8PROC_COMPOSE);
  if (n == 1) return static_cast<char32_t>(buf[0]);
  return std::nullopt;
}

// Decomposition with canonical reordering into `items`.
void decompose_all(const char32_t* chars, size_t n, bool compat, std::vector<Item>& items) {
  thread_local std::vector<char32_t> d;
  items.clear();
  size_t pending = 0;  // start of the run of non-starters not yet sorted
  auto sort_pending = [&] {
    std::stable_sort(items.begin() + static_cast<std::ptrdiff_t>(pending), items.end(),
                     [](const Item& x, const Item& y) { return x.ccc < y.ccc; });
    pending = items.size();
  };
  for (size_t i = 0; i < n; ++i) {
    d.clear();
    if (chars[i] < 0x80) {
      d.push_back(chars[i]);
    } else {
      decompose(chars[i], compat, d);
    }
    for (size_t k = 0; k < d.size(); ++k) {
      const int ccc = d[k] < 0x300 ? 0 : unicode::combining_class(d[k]);
      if (ccc == 0) sort_pending();
      items.push_back({d[k], k == 0 ? 0L : 1L, ccc});
    }
  }
  sort_pending();
}

// The reference's recomposition state machine over decomposed, reordered items.
void recompose(const std::vector<Item>& in, std::vector<Item>& out) {
  out.clear();
  thread_local std::vector<Item> blocked;
  blocked.clear();
  std::optional<Item> composee;
  std::optional<int> last_ccc;
  for (const Item& ch : in) {
    if (!composee) {
      if (ch.ccc != 0) {
        out.push_back(ch);
        continue;
      }
      composee = ch;
      continue;
    }
    if (!last_ccc) {
      if (auto r = compose_pair(composee->c, ch.c)) {
        composee = Item{*r, composee->change + ch.change - 1, unicode::combining_class(*r)};
        continue;
      }
      if (ch.ccc == 0) {
        out.push_back(*composee);
        composee = ch;
        continue;
      }
      blocked.push_back(ch);
      last_ccc = ch.ccc;
      continue;
    }
    if (*last_ccc >= ch.ccc) {
      if (ch.ccc == 0) {
        out.push_back(*composee);
        out.insert(out.end(), blocked.begin(), blocked.end());
        blocked.clear();
        composee = ch;
        last_ccc.reset();
        continue;
      }
      blocked.push_back(ch);
      last_ccc = ch.ccc;
      continue;
    }
    if (auto r = compose_pair(composee->c, ch.c)) {
      composee = Item{*r, composee->change + ch.change - 1, unicode::combining_class(*r)};
      continue;
    }
    blocked.push_back(ch);
    last_ccc = ch.ccc;
  }
  // End of input: the reference emits the composee, then what it blocked.
  if (composee) out.push_back(*composee);
  out.insert(out.end(), blocked.begin(), blocked.end());
}

class UnicodeForm final : public Normalizer {
 public:
  UnicodeForm(bool compat, bool compose) : compat_(compat), compose_(compose) {}

  void normalize(const char32_t* chars, const uint32_t* origin, size_t n,
                 NormalizedText& out) const override {
    bool ascii = true;
    for (size_t i = 0; i < n && ascii; ++i) ascii = chars[i] < 0x80;
    if (ascii) {
      out.chars.insert(out.chars.end(), chars, chars + n);
      out.origin.insert(out.origin.end(), origin, origin + n);
      return;
    }
    thread_local std::vector<Item> items, composed;
    decompose_all(chars, n, compat_, items);
    const std::vector<Item>* result = &items;
    if (compose_) {
      recompose(items, composed);
      result = &composed;
    }
    TransformWriter w(origin, n, 0, out);
    for (const Item& it : *result) w.emit(it.c, it.change);
  }

 private:
  bool compat_, compose_;
};

}  // namespace

std::unique_ptr<Normalizer> build_nfd(const json&, const StageContext&) {
  return std::make_unique<UnicodeForm>(false, false);
}
std::unique_ptr<Normalizer> build_nfkd(const json&, const StageContext&) {
  return std::make_unique<UnicodeForm>(true, false);
}
std::unique_ptr<Normalizer> build_nfc(const json&, const StageContext&) {
  return std::make_unique<UnicodeForm>(false, true);
}
std::unique_ptr<Normalizer> build_nfkc(const json&, const StageContext&) {
  return std::make_unique<UnicodeForm>(true, true);
}

}  // namespace sembed::tokenizer

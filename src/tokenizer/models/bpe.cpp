// Bpe (see bpe.hpp). The merge loop follows tokenizers' Word::merge_all: a min-heap of
// (rank, position) over adjacent pairs, stale entries skipped when popped.
#include "tokenizer/models/bpe.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <sembed/error.hpp>

#include "core/utf8.hpp"
#include "tokenizer/stage_json.hpp"

namespace sembed::tokenizer {
namespace {

inline uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

struct Symbol {
  int32_t id;
  uint32_t begin, end;  // characters of the word
  int32_t prev, next;   // linked list over live symbols; -1 at the ends
  bool live;
};

struct HeapEntry {
  uint32_t rank;
  uint32_t pos;
  int32_t new_id;
  // std::push_heap keeps the largest on top: "larger" means lower rank, then lower position.
  bool operator<(const HeapEntry& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
};

// Recent words of one thread and their tokens: open addressing over a flat arena (a node-based
// std::unordered_map spent more time in its buckets than BPE spends merging). Emptied when full.
class WordCache {
 public:
  static constexpr size_t kMaxEntries = 16384;
  static constexpr size_t kMaxWord = 64;  // longer words are not cached

  // The cached tokens of word[0..n), or false.
  bool find(uint64_t instance, const char32_t* word, size_t n, std::vector<ModelToken>& out) {
    if (instance != instance_) reset(instance);
    const uint64_t h = hash(word, n);
    for (size_t i = h & kMask;; i = (i + 1) & kMask) {
      const Slot& slot = slots_[i];
      if (slot.key_len == 0) return false;
      if (slot.hash == h && slot.key_len == n &&
          std::equal(word, word + n, keys_.begin() + slot.key_off)) {
        out.insert(out.end(), tokens_.begin() + slot.tok_off,
                   tokens_.begin() + slot.tok_off + slot.tok_len);
        return true;
      }
    }
  }

  void insert(const char32_t* word, size_t n, const ModelToken* tokens, size_t count) {
    if (count_ >= kMaxEntries) reset(instance_);
    const uint64_t h = hash(word, n);
    size_t i = h & kMask;
    while (slots_[i].key_len != 0) i = (i + 1) & kMask;
    slots_[i] = {h, static_cast<uint32_t>(keys_.size()), static_cast<uint32_t>(n),
                 static_cast<uint32_t>(tokens_.size()), static_cast<uint32_t>(count)};
    keys_.insert(keys_.end(), word, word + n);
    tokens_.insert(tokens_.end(), tokens, tokens + count);
    ++count_;
  }

 private:
  static constexpr size_t kSlots = kMaxEntries * 2;  // load factor <= 0.5
  static constexpr size_t kMask = kSlots - 1;
  struct Slot {
    uint64_t hash;
    uint32_t key_off, key_len, tok_off, tok_len;  // key_len 0: empty (words are never empty)
  };
  static uint64_t hash(const char32_t* word, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
    for (size_t i = 0; i < n; ++i) h = (h ^ word[i]) * 0x100000001B3ULL;
    return mix(h);
  }
  void reset(uint64_t instance) {
    instance_ = instance;
    slots_.assign(kSlots, Slot{0, 0, 0, 0, 0});
    keys_.clear();
    tokens_.clear();
    count_ = 0;
  }
  uint64_t instance_ = 0;
  std::vector<Slot> slots_ = std::vector<Slot>(kSlots, Slot{0, 0, 0, 0, 0});
  std::vector<char32_t> keys_;
  std::vector<ModelToken> tokens_;
  size_t count_ = 0;
};

std::atomic<uint64_t> next_instance{1};

std::string byte_token(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "<0x%02X>", b);
  return buf;
}

}  // namespace

Bpe::Bpe(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges,
         BpeOptions options, const std::string& origin)
    : vocab_(std::move(vocab)), options_(std::move(options)), instance_(next_instance++) {
  if (options_.unk_token) {
    unk_id_ = vocab_.find(*options_.unk_token);
    if (unk_id_ < 0) {
      throw Error(origin + ": field 'model.unk_token' names '" + *options_.unk_token +
                  "', which is not in model.vocab");
    }
  }
  size_t slots = 16;
  while (slots < merges.size() * 2) slots *= 2;
  merges_.assign(slots, MergeSlot{});
  merge_mask_ = slots - 1;
  const size_t prefix_len =
      options_.continuing_subword_prefix ? options_.continuing_subword_prefix->size() : 0;
  for (size_t i = 0; i < merges.size(); ++i) {
    const auto& [a, b] = merges[i];
    const std::string where = origin + ": field 'model.merges[" + std::to_string(i) + "]' ";
    const int32_t a_id = vocab_.find(a), b_id = vocab_.find(b);
    if (a_id < 0) throw Error(where + "names token '" + a + "', which is not in model.vocab");
    if (b_id < 0) throw Error(where + "names token '" + b + "', which is not in model.vocab");
    // As the reference: the merged token is a + b less the length of the continuing prefix.
    if (b.size() < prefix_len ||
        (prefix_len < b.size() && (static_cast<unsigned char>(b[prefix_len]) & 0xC0) == 0x80)) {
      throw Error(where + "'" + b + "' is shorter than, or does not start with, the " +
                  "continuing_subword_prefix");
    }
    const std::string merged = a + b.substr(prefix_len);
    const int32_t new_id = vocab_.find(merged);
    if (new_id < 0) {
      throw Error(where + "makes token '" + merged + "', which is not in model.vocab");
    }
    // A repeated pair keeps its last rank, as the reference's map does.
    insert_merge(a_id, b_id, static_cast<uint32_t>(i), new_id);
  }
}

void Bpe::insert_merge(int32_t left, int32_t right, uint32_t rank, int32_t new_id) {
  const uint64_t key =
      (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  for (uint64_t h = mix(key) & merge_mask_;; h = (h + 1) & merge_mask_) {
    MergeSlot& s = merges_[h];
    if (s.new_id < 0 || s.key == key) {
      s.key = key;
      s.rank = rank;
      s.new_id = new_id;
      return;
    }
  }
}

const Bpe::MergeSlot* Bpe::find_merge(int32_t left, int32_t right) const {
  const uint64_t key =
      (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  for (uint64_t h = mix(key) & merge_mask_;; h = (h + 1) & merge_mask_) {
    const MergeSlot& s = merges_[h];
    if (s.new_id < 0) return nullptr;
    if (s.key == key) return &s;
  }
}

void Bpe::tokenize(const char32_t* word, size_t n, std::vector<ModelToken>& out) const {
  if (n == 0) return;
  thread_local std::string text;
  if (options_.ignore_merges) {
    text.clear();
    for (size_t i = 0; i < n; ++i) utf8::append(text, word[i]);
    if (const int32_t id = vocab_.find(text); id >= 0) {
      out.push_back({id, 0, static_cast<uint32_t>(n), false});
      return;
    }
  }
  if (n > WordCache::kMaxWord) {
    merge_word(word, n, out);
    return;
  }
  thread_local WordCache cache;
  if (cache.find(instance_, word, n, out)) return;
  const size_t first = out.size();
  merge_word(word, n, out);
  cache.insert(word, n, out.data() + first, out.size() - first);
}

void Bpe::merge_word(const char32_t* word, size_t n, std::vector<ModelToken>& out) const {
  thread_local std::vector<Symbol> symbols;
  thread_local std::vector<HeapEntry> heap;
  thread_local std::string s;
  symbols.clear();
  auto add = [&](int32_t id, uint32_t begin, uint32_t end) {
    symbols.push_back({id, begin, end, -1, -1, true});
  };
  // Pending unknown: id and the characters it spans.
  bool has_unk = false;
  uint32_t unk_begin = 0, unk_end = 0;
  for (size_t i = 0; i < n; ++i) {
    s.clear();
    if (i > 0 && options_.continuing_subword_prefix) s += *options_.continuing_subword_prefix;
    utf8::append(s, word[i]);
    if (i + 1 == n && options_.end_of_word_suffix) s += *options_.end_of_word_suffix;
    const uint32_t b = static_cast<uint32_t>(i), e = static_cast<uint32_t>(i + 1);
    if (const int32_t id = vocab_.find(s); id >= 0) {
      if (has_unk) add(unk_id_, unk_begin, unk_end);
      has_unk = false;
      add(id, b, e);
      continue;
    }
    if (options_.byte_fallback) {
      // Every byte of the symbol's string (prefix and suffix included, as the reference)
      // must have its <0xXX> token; each then covers the character.
      bool all = true;
      const size_t mark = symbols.size();
      for (unsigned char byte : s) {
        const int32_t id = vocab_.find(byte_token(byte));
        if (id < 0) {
          all = false;
          break;
        }
        add(id, b, e);
      }
      if (all) continue;
      symbols.resize(mark);
    }
    if (unk_id_ >= 0) {
      if (has_unk && options_.fuse_unk) {
        unk_end = e;
      } else {
        if (has_unk) add(unk_id_, unk_begin, unk_end);
        has_unk = true;
        unk_begin = b;
        unk_end = e;
      }
    }
  }
  if (has_unk) add(unk_id_, unk_begin, unk_end);
  const int32_t count = static_cast<int32_t>(symbols.size());
  for (int32_t i = 0; i < count; ++i) {
    symbols[i].prev = i - 1;
    symbols[i].next = i + 1 < count ? i + 1 : -1;
  }
  heap.clear();
  for (int32_t i = 0; i + 1 < count; ++i) {
    if (const MergeSlot* m = find_merge(symbols[i].id, symbols[i + 1].id)) {
      heap.push_back({m->rank, static_cast<uint32_t>(i), m->new_id});
    }
  }
  std::make_heap(heap.begin(), heap.end());
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end());
    const HeapEntry top = heap.back();
    heap.pop_back();
    Symbol& left = symbols[top.pos];
    if (!left.live || left.next < 0) continue;
    Symbol& right = symbols[left.next];
    const MergeSlot* m = find_merge(left.id, right.id);
    if (m == nullptr || m->new_id != top.new_id) continue;  // a stale entry
    left.id = top.new_id;
    left.end = right.end;
    right.live = false;
    left.next = right.next;
    if (left.next >= 0) symbols[left.next].prev = static_cast<int32_t>(top.pos);
    if (left.prev >= 0) {
      if (const MergeSlot* p = find_merge(symbols[left.prev].id, left.id)) {
        heap.push_back({p->rank, static_cast<uint32_t>(left.prev), p->new_id});
        std::push_heap(heap.begin(), heap.end());
      }
    }
    if (left.next >= 0) {
      if (const MergeSlot* q = find_merge(left.id, symbols[left.next].id)) {
        heap.push_back({q->rank, top.pos, q->new_id});
        std::push_heap(heap.begin(), heap.end());
      }
    }
  }
  for (const Symbol& sym : symbols) {
    if (sym.live) out.push_back({sym.id, sym.begin, sym.end, false});
  }
}

}  // namespace sembed::tokenizer

namespace sembed::tokenizer {

// {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
//  "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
//  "vocab": {...}, "merges": [["a", "b"], ...] or ["a b", ...]}
std::unique_ptr<Model> build_bpe(const json& block, const StageContext& ctx) {
  if (auto d = block.find("dropout"); d != block.end() && !d->is_null()) {
    if (!d->is_number()) ctx.fail("dropout", "must be a number or null");
    const double p = d->get<double>();
    if (p != 0.0) {
      ctx.fail("dropout", "is " + d->dump() +
                              ": BPE dropout skips merges at random, so one text would not "
                              "always give the same tokens; only null or 0 is supported");
    }
  }
  auto optional_string = [&](const char* field) -> std::optional<std::string> {
    auto it = block.find(field);
    if (it == block.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) ctx.fail(field, "must be a string or null");
    return it->get<std::string>();
  };
  BpeOptions o;
  o.unk_token = optional_string("unk_token");
  o.continuing_subword_prefix = optional_string("continuing_subword_prefix");
  o.end_of_word_suffix = optional_string("end_of_word_suffix");
  o.fuse_unk = ctx.get_bool(block, "fuse_unk", false);
  o.byte_fallback = ctx.get_bool(block, "byte_fallback", false);
  o.ignore_merges = ctx.get_bool(block, "ignore_merges", false);
  Vocab vocab;
  const json& v = ctx.require_object(block, "vocab");
  for (auto& [token, id] : v.items()) {
    vocab.add(token, static_cast<int32_t>(
                         ctx.int_value(id, 0, (int64_t{1} << 24) - 1, "vocab['" + token + "']")));
  }
  std::vector<std::pair<std::string, std::string>> merges;
  const json& m = ctx.require_array(block, "merges");
  merges.reserve(m.size());
  for (size_t i = 0; i < m.size(); ++i) {
    const json& e = m[i];
    const std::string field = "merges[" + std::to_string(i) + "]";
    if (e.is_string()) {
      // The older form "a b": split at the first space, as the reference does.
      const std::string s = e.get<std::string>();
      const size_t space = s.find(' ');
      if (space == std::string::npos) ctx.fail(field, "is '" + s + "': expected \"<a> <b>\"");
      merges.emplace_back(s.substr(0, space), s.substr(space + 1));
    } else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
      merges.emplace_back(e[0].get<std::string>(), e[1].get<std::string>());
    } else {
      ctx.fail(field,
               "is " + e.dump().substr(0, 80) + ": expected [\"<a>\", \"<b>\"] or \"<a> <b>\"");
    }
  }
  return std::make_unique<Bpe>(std::move(vocab), merges, std::move(o), ctx.origin);
}

}  // namespace sembed::tokenizer

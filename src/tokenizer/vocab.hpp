// Vocab: the WordPiece vocabulary — token string <-> id — with a lookup built for the greedy
// longest-match loop: an open-addressing hash table over string_view keys (no allocation per
// lookup) and a second table of continuation pieces keyed without their "##" prefix, so a
// candidate piece can be looked up straight from the word's bytes.
// Does not: read files (tokenizer_loader.cpp) or tokenize (wordpiece.hpp).
// Thread safety: immutable after construction; lookups from many threads are safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sembed::tokenizer {

// Maps byte strings to ids. Keys are copied into an internal arena.
class StringIdMap {
 public:
  // Later inserts of the same key overwrite the id (as a later vocab.txt line does).
  void insert(std::string_view key, int32_t id);
  // -1 when absent.
  int32_t find(std::string_view key) const;
  size_t size() const { return count_; }
  size_t max_key_length() const { return max_key_length_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t offset = 0;
    uint32_t length = 0;
    int32_t id = -1;  // -1: empty
  };
  static uint64_t hash_bytes(std::string_view key);
  void grow();
  std::string arena_;
  std::vector<Slot> slots_;
  size_t count_ = 0;
  size_t max_key_length_ = 0;
};

class Vocab {
 public:
  Vocab() = default;
  // `continuing_prefix` is WordPiece's continuing_subword_prefix ("##").
  void add(std::string_view token, int32_t id);
  void set_continuing_prefix(std::string prefix) { prefix_ = std::move(prefix); }
  // Call after all add()s: builds the continuation table.
  void finalize();

  int32_t find(std::string_view token) const { return all_.find(token); }
  // Looks up prefix + piece.
  int32_t find_continuation(std::string_view piece) const { return continuation_.find(piece); }
  size_t max_initial_length() const { return all_.max_key_length(); }
  size_t max_continuation_length() const { return continuation_.max_key_length(); }

  // The token string of an id ("" if the id has none).
  const std::string& token(int32_t id) const;
  size_t size() const { return all_.size(); }
  // One more than the largest id.
  size_t id_bound() const { return tokens_.size(); }
  const std::string& continuing_prefix() const { return prefix_; }

 private:
  StringIdMap all_;
  StringIdMap continuation_;
  std::vector<std::string> tokens_;  // by id
  std::string prefix_ = "##";
};

}  // namespace sembed::tokenizer

// The index of a group's rows by their fixed-width keys: open addressing over a flat array of keys,
// the slots tagged with the key's hash so that probes compare keys only on a likely match.
#include <algorithm>
#include <stdexcept>
#include <vector>

#include "engine/state.h"
#include "ledger/short_text_ids.h"

namespace rebate::engine {

uint64_t KeyIndex::hash_any(const int64_t* key, const std::string_view* texts, uint64_t* without_first) const {
  uint64_t h = kHashSeed;
  size_t t = 0;
  while (t < text_words_.size() && text_words_[t] == 0) ++t;  // (a first word is never a text in a group)
  // The first word last, so that the hash of the others comes on the way.
  for (size_t i = 1; i < width_; ++i) {
    uint64_t word = static_cast<uint64_t>(key[i]);
    if (t < text_words_.size() && text_words_[t] == i) word = text_hash(texts[t++]);
    h = (h ^ word) * kHashMultiplier;
  }
  if (without_first) *without_first = h ^ (h >> 31);
  if (width_ > 0) {
    uint64_t word = static_cast<uint64_t>(key[0]);
    if (!text_words_.empty() && text_words_[0] == 0) word = text_hash(texts[0]);
    h = (h ^ word) * kHashMultiplier;
  }
  return h ^ (h >> 29);
}

// A slot is found by the hash's top bits, which the slot's tag keeps: growing the table needs no key.
size_t KeyIndex::slot_of(uint64_t h) const { return static_cast<size_t>(h >> (64 - bits_)); }

void KeyIndex::prefetch(uint64_t h) const {
  if (!slots_.empty()) __builtin_prefetch(&slots_[slot_of(h)]);
}

bool KeyIndex::same(uint32_t row, const int64_t* key, const std::string_view* texts) const {
  size_t t = 0;
  for (size_t i = 0; i < width_; ++i) {
    if (t < text_words_.size() && text_words_[t] == i) {
      if (!ledger::same_text(text(row, i), texts[t++])) return false;
    } else if (keys_[static_cast<size_t>(row) * width_ + i] != key[i]) {
      return false;
    }
  }
  return true;
}

uint32_t KeyIndex::find_or_add(const int64_t* key, const std::string_view* texts, uint64_t h, bool& fresh) {
  if (slots_.empty() || (size() + 1) * 4 > slots_.size() * 3) grow();  // load factor 0.75: the tags keep probes short
  uint64_t tag = h >> 32 << 32;
  size_t mask = slots_.size() - 1;
  for (size_t slot = slot_of(h);; slot = (slot + 1) & mask) {
    uint64_t entry = slots_[slot];
    if (entry == 0) {
      fresh = true;
      if (rows_ >= UINT32_MAX - 1) throw std::length_error("a group has more than 4 billion rows");
      uint32_t row = static_cast<uint32_t>(rows_++);
      keys_.resize(rows_ * width_);
      size_t t = 0;
      for (size_t i = 0; i < width_; ++i) {
        const bool is_text = t < text_words_.size() && text_words_[t] == i;
        keys_[row * width_ + i] = is_text ? static_cast<int64_t>(texts_.add(texts[t++])) : key[i];
      }
      slots_[slot] = tag | (row + 1);
      return row;
    }
    if ((entry & ~0xFFFFFFFFull) != tag) continue;
    uint32_t row = static_cast<uint32_t>(entry) - 1;
    if (same(row, key, texts)) {
      fresh = false;
      return row;
    }
  }
}

uint32_t KeyIndex::find(const int64_t* key, const std::string_view* texts, uint64_t h) const {
  if (slots_.empty()) return UINT32_MAX;
  const uint64_t tag = h >> 32 << 32;
  const size_t mask = slots_.size() - 1;
  for (size_t slot = slot_of(h);; slot = (slot + 1) & mask) {
    const uint64_t entry = slots_[slot];
    if (entry == 0) return UINT32_MAX;
    if ((entry & ~0xFFFFFFFFull) != tag) continue;
    const uint32_t row = static_cast<uint32_t>(entry) - 1;
    if (same(row, key, texts)) return row;
  }
}

uint32_t KeyIndex::find_row_of(uint64_t tag, const KeyIndex& other, uint32_t other_row) const {
  if (slots_.empty()) return UINT32_MAX;
  const size_t mask = slots_.size() - 1;
  for (size_t slot = slot_of(tag);; slot = (slot + 1) & mask) {  // (slot_of reads the top bits only)
    const uint64_t entry = slots_[slot];
    if (entry == 0) return UINT32_MAX;
    if ((entry & ~0xFFFFFFFFull) != tag) continue;
    // The same tag, a likely match (a key met on both sides of a split): the keys compared word by word.
    const uint32_t row = static_cast<uint32_t>(entry) - 1;
    bool same = true;
    for (size_t i = 0, t = 0; i < width_ && same; ++i) {
      if (t < text_words_.size() && text_words_[t] == i) {
        same = ledger::same_text(text(row, i), other.text(other_row, i));
        ++t;
      } else {
        same = key(row, i) == other.key(other_row, i);
      }
    }
    if (same) return row;
  }
}

void KeyIndex::reserve(size_t rows) {
  size_t capacity = slots_.empty() ? 1024 : slots_.size();
  while ((rows + 1) * 4 > capacity * 3) capacity *= 2;
  if (capacity > slots_.size()) rehash(capacity);
}

void KeyIndex::reslot() {
  std::fill(slots_.begin(), slots_.end(), 0);
  const size_t mask = slots_.size() - 1;
  std::vector<int64_t> key(width_);
  std::vector<std::string_view> texts(text_words_.size());
  for (size_t row = 0; row < rows_; ++row) {
    for (size_t i = 0; i < width_; ++i) key[i] = keys_[row * width_ + i];
    for (size_t t = 0; t < text_words_.size(); ++t) texts[t] = text(row, text_words_[t]);
    const uint64_t h = hash(key.data(), texts.data());
    size_t slot = slot_of(h);
    while (slots_[slot] != 0) slot = (slot + 1) & mask;
    slots_[slot] = (h >> 32 << 32) | (row + 1);
  }
}

void KeyIndex::grow() { rehash(slots_.empty() ? 1024 : slots_.size() * 2); }

void KeyIndex::rehash(size_t capacity) {
  unsigned bits = 0;
  while ((size_t{1} << bits) < capacity) ++bits;
  if (bits > 32) throw std::length_error("a group index of more than 4 billion slots");
  BigArray<uint64_t> old(capacity, 0);
  old.swap(slots_);
  bits_ = bits;
  const size_t mask = capacity - 1;
  for (uint64_t entry : old) {
    if (entry == 0) continue;
    size_t slot = slot_of(entry);  // the tag is the hash's top 32 bits, in the same place
    while (slots_[slot] != 0) slot = (slot + 1) & mask;
    slots_[slot] = entry;
  }
}

}  // namespace rebate::engine

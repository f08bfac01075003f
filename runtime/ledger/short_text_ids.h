// The ids of one column's short texts (at most 16 bytes) met before, found by their bytes: partner ids
// and product families are a few thousand short texts repeated on every line of a ledger, and finding
// one here costs two loads and a compare where the string pool would hash the text and probe.
//
// A text's key is its size and two overlapping 8-byte loads (its first and last bytes), which together
// name it exactly. The table is open-addressed and never forgets a key; it grows to kMaxSlots and then
// stops taking new ones (a column with more short texts than that, customer ids say, is left to the pool).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/huge_pages.h"

namespace rebate::ledger {

class ShortTextIds {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr size_t kMaxSlots = size_t{1} << 15;  // 768 KiB
  static constexpr size_t kRoom = kMaxSlots / 4 * 3;     // texts kept at most

  struct Key {
    uint64_t w0 = 0, w1 = 0;
    uint32_t size = 0;
    bool operator==(const Key&) const = default;
  };

  // False for a text longer than 16 bytes.
  static bool key_of(std::string_view text, Key& key) {
    const size_t n = text.size();
    const char* p = text.data();
    if (n > 16) return false;
    if (n >= 8) {
      key.w0 = load(p, 8);
      key.w1 = load(p + n - 8, 8);
    } else if (n >= 4) {
      key.w0 = load(p, 4) | load(p + n - 4, 4) << 32;
      key.w1 = 0;
    } else {
      key.w0 = n == 0 ? 0 : uint64_t{byte(p[0])} | uint64_t{byte(p[n / 2])} << 8 | uint64_t{byte(p[n - 1])} << 16;
      key.w1 = 0;
    }
    key.size = static_cast<uint32_t>(n);
    return true;
  }

  // The id of a short text met before, or kNone (always for a text longer than 16 bytes).
  uint32_t find(std::string_view text) {
    Key key;
    return key_of(text, key) ? find(key) : kNone;
  }

  // The id of `key`, or kNone. The key found last is checked first: an order's lines repeat its partner.
  uint32_t find(const Key& key) {
    if (last_.id != kNone && same(last_, key)) return last_.id;
    if (slots_.empty()) return kNone;
    for (size_t i = slot_of(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id == kNone) return kNone;
      if (same(s, key)) {
        last_ = s;
        return s.id;
      }
    }
  }

  // Remembers key → id (a key already known keeps its id); nothing once the table is full.
  void add(const Key& key, uint32_t id) {
    // At most three-quarters full: a smaller table stays in the cache (5,000 partners: 192 KiB), and
    // a probe rarely goes past its first slot.
    if ((used_ + 1) * 4 > slots_.size() * 3) {
      if (slots_.size() >= kMaxSlots) return;
      grow();
    }
    for (size_t i = slot_of(key);; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.id == kNone) {
        s = Slot{key.w0, key.w1, key.size, id};
        ++used_;
        return;
      }
      if (same(s, key)) return;
    }
  }

  size_t size() const { return used_; }

 private:
  struct Slot {
    uint64_t w0 = 0, w1 = 0;
    uint32_t size = 0;
    uint32_t id = kNone;
  };
  static uint8_t byte(char c) { return static_cast<uint8_t>(c); }
  static uint64_t load(const char* p, size_t n) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    return w;
  }
  static bool same(const Slot& s, const Key& k) { return s.w0 == k.w0 && s.w1 == k.w1 && s.size == k.size; }
  size_t slot_of(const Key& k) const {
    const uint64_t h = (k.w0 * 0x9E3779B97F4A7C15ull) ^ (k.w1 * 0xC2B2AE3D27D4EB4Full) ^ k.size;
    return static_cast<size_t>((h ^ (h >> 29)) * 0xBF58476D1CE4E5B9ull >> 32) & mask_;
  }
  void grow() {
    Slots old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    used_ = 0;
    for (const Slot& s : old) {
      if (s.id != kNone) add(Key{s.w0, s.w1, s.size}, s.id);
    }
  }

  using Slots = std::vector<Slot, HugePageAllocator<Slot>>;  // faulted in at once as it grows
  Slots slots_;
  size_t mask_ = 0;
  size_t used_ = 0;
  Slot last_;
};

// a == b, for the short texts that keys are made of without a call to memcmp.
inline bool same_text(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  ShortTextIds::Key ka, kb;
  if (ShortTextIds::key_of(a, ka) && ShortTextIds::key_of(b, kb)) return ka == kb;
  return a == b;
}

}  // namespace rebate::ledger

// Texts kept by their bytes, appended one after another in large blocks: a group keyed by an order id
// keeps each order's id once, in the order the rows were made, without a string pool's hash table
// beside the group's own index. A text is named by a handle (block, offset); blocks never move.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "core/huge_pages.h"

namespace rebate::engine {

class TextArena {
 public:
  // Stores `text`; the handle names it for as long as the arena (and its block) lives.
  uint64_t add(std::string_view text) {
    if (text.size() > UINT32_MAX - sizeof(uint32_t)) throw std::length_error("a text of more than 4 GiB");
    const size_t need = sizeof(uint32_t) + text.size();
    if (blocks_.empty() || used_ + need > capacity_) new_block(need);
    if (used_ + need > populated_) populate_to(used_ + need);
    char* at = blocks_.back().get() + used_;
    const auto size = static_cast<uint32_t>(text.size());
    std::memcpy(at, &size, sizeof size);
    if (!text.empty()) std::memcpy(at + sizeof size, text.data(), text.size());
    const uint64_t handle = (static_cast<uint64_t>(blocks_.size() - 1) << 32) | used_;
    used_ += need;
    return handle;
  }
  std::string_view text(uint64_t handle) const {
    const char* at = blocks_[handle >> 32].get() + static_cast<uint32_t>(handle);
    uint32_t size = 0;
    std::memcpy(&size, at, sizeof size);
    return {at + sizeof size, size};
  }

 private:
  static constexpr size_t kBlock = size_t{4} << 20;
  void new_block(size_t need) {
    capacity_ = need > kBlock ? need : kBlock;  // a text longer than a block gets a block of its own
    // Not zeroed: every byte is written before it is read.
    blocks_.emplace_back(new char[capacity_]);
    used_ = populated_ = 0;
  }
  // The block's pages faulted in ahead of the texts, kPopulatedBytes at a time, each step in one call
  // (huge_pages.h): the block is large, and only what texts reach is taken from the system.
  void populate_to(size_t end) {
    const size_t next = std::min(capacity_, (end + kPopulatedBytes - 1) / kPopulatedBytes * kPopulatedBytes);
    populate_pages(blocks_.back().get() + populated_, next - populated_);
    populated_ = next;
  }
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t used_ = 0, capacity_ = 0, populated_ = 0;
};

}  // namespace rebate::engine

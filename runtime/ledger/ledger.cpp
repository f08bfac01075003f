// The string pool, tables, errors and value formatting of the ledger reader.
#include "ledger/ledger.h"

#include <fmt/format.h>

#include <cstring>

#include "core/calendar.h"

namespace rebate::ledger {

namespace {

uint64_t hash_bytes(const char* p, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xFF51AFD7ED558CCDull);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * 0x94D049BB133111EBull;
    h ^= h >> 29;
  }
  h *= 0xD6E8FEB86659FD93ull;
  h ^= h >> 32;
  return h;
}

constexpr size_t kChunkSize = 1 << 20;

}  // namespace

const char* kind_name(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::Int: return "Int";
    case ColumnKind::Decimal: return "Decimal";
    case ColumnKind::Money: return "Money";
    case ColumnKind::Percent: return "Percent";
    case ColumnKind::Bool: return "Bool";
    case ColumnKind::Text: return "Text";
    case ColumnKind::Date: return "Date";
    case ColumnKind::Enum: return "Enum";
  }
  return "?";
}

StringPool::StringPool() : slots_(1024, 0) {
  texts_.push_back(std::string_view());
  hashes_.push_back(hash_bytes("", 0));
  slots_[hashes_[0] & (slots_.size() - 1)] = 1;
}

StringPool::~StringPool() = default;

char* StringPool::store(std::string_view s) {
  if (s.size() > chunk_left_) {
    size_t size = std::max(kChunkSize, s.size());
    chunks_.push_back(std::make_unique<char[]>(size));
    chunk_pos_ = chunks_.back().get();
    chunk_left_ = size;
  }
  char* r = chunk_pos_;
  if (!s.empty()) std::memcpy(r, s.data(), s.size());
  chunk_pos_ += s.size();
  chunk_left_ -= s.size();
  return r;
}

void StringPool::grow() {
  std::vector<uint32_t> slots(slots_.size() * 2, 0);
  const size_t mask = slots.size() - 1;
  for (uint32_t id = 0; id < texts_.size(); ++id) {
    size_t i = hashes_[id] & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = id + 1;
  }
  slots_.swap(slots);
}

uint32_t StringPool::find(std::string_view s) const {
  const uint64_t h = hash_bytes(s.data(), s.size());
  const size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    uint32_t slot = slots_[i];
    if (slot == 0) return UINT32_MAX;
    if (hashes_[slot - 1] == h && texts_[slot - 1] == s) return slot - 1;
  }
}

uint32_t StringPool::intern(std::string_view s) {
  const uint64_t h = hash_bytes(s.data(), s.size());
  const size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  for (;; i = (i + 1) & mask) {
    uint32_t slot = slots_[i];
    if (slot == 0) break;
    if (hashes_[slot - 1] == h && texts_[slot - 1] == s) return slot - 1;
  }
  const auto id = static_cast<uint32_t>(texts_.size());
  texts_.push_back(std::string_view(store(s), s.size()));
  hashes_.push_back(h);
  slots_[i] = id + 1;
  if (texts_.size() * 2 > slots_.size()) grow();
  return id;
}

const Column* Table::column(std::string_view column_name) const {
  for (const auto& c : columns)
    if (c.spec.name == column_name) return &c;
  return nullptr;
}

std::string InputError::to_string() const {
  std::string r = file;
  if (line > 0) {
    r += fmt::format(":{}", line);
    if (column > 0) r += fmt::format(":{}", column);
  }
  r += ": ";
  if (!column_name.empty()) r += fmt::format("column `{}`: ", column_name);
  r += message;
  return r;
}

std::string format_scaled(int64_t value, int scale) {
  const bool neg = value < 0;
  uint64_t mag = neg ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  char buf[48];
  char* p = buf + sizeof buf;
  const int places = scale > 0 ? scale : 0;
  for (int i = 0; i < places; ++i) {
    *--p = static_cast<char>('0' + mag % 10);
    mag /= 10;
  }
  if (places > 0) *--p = '.';
  do {
    *--p = static_cast<char>('0' + mag % 10);
    mag /= 10;
  } while (mag != 0);
  if (neg) *--p = '-';
  return std::string(p, static_cast<size_t>(buf + sizeof buf - p));
}

std::string format_cell(const Column& column, size_t row, const StringPool& pool) {
  if (!column.has_value(row)) return "";
  const int64_t v = column.values[row];
  switch (column.spec.kind) {
    case ColumnKind::Int: return std::to_string(v);
    case ColumnKind::Decimal:
    case ColumnKind::Money: return format_scaled(v, column.spec.scale);
    case ColumnKind::Percent: return format_scaled(v, column.spec.scale - 2) + "%";
    case ColumnKind::Bool: return v ? "true" : "false";
    case ColumnKind::Text: return std::string(pool.text(static_cast<uint32_t>(v)));
    case ColumnKind::Date: return format_date(static_cast<DayNumber>(v));
    case ColumnKind::Enum: return column.spec.enum_members.at(static_cast<size_t>(v));
  }
  return "";
}

}  // namespace rebate::ledger

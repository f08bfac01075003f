// The string pool, tables, errors and value formatting of the ledger reader.
#include "ledger/ledger.h"

#include <fmt/format.h>

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>

#include "core/calendar.h"
#include "core/huge_pages.h"

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

namespace {

// Arena offsets are 32-bit counts of 8-byte words in chunks of 2^kChunkBits words (2 MB; 32 GB of text
// in all).
constexpr unsigned kChunkBits = 18;
constexpr size_t kChunkWords = size_t{1} << kChunkBits;
constexpr uint64_t kTagMask = 0xFFFFFFFF00000000ull;

}  // namespace

// Big random-access arrays (the table, the arena) get transparent huge pages where the kernel allows
// them: a lookup in a pool of millions of strings otherwise pays a TLB miss on top of the cache miss.
struct StringPool::Memory {
  explicit Memory(size_t bytes) : data(static_cast<char*>(map_huge(bytes))), size_(bytes) {}
  ~Memory() { unmap_huge(data, size_); }
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;
  char* data;

 private:
  size_t size_;
};

StringPool::StringPool() {
  bits_ = 12;
  table_ = std::make_unique<Memory>((size_t{1} << bits_) * sizeof(uint64_t));
  slots_ = reinterpret_cast<uint64_t*>(table_->data);
  intern(std::string_view());
}

StringPool::StringPool(const StringPool* base) : base_(base), base_size_(static_cast<uint32_t>(base->size())) {
  bits_ = 12;
  table_ = std::make_unique<Memory>((size_t{1} << bits_) * sizeof(uint64_t));
  slots_ = reinterpret_cast<uint64_t*>(table_->data);
}

StringPool::~StringPool() = default;

// Appends an entry for `s` (its offset goes to entry_offset_) and returns where its bytes are.
const char* StringPool::store(std::string_view s, uint32_t id) {
  const size_t words = 1 + (s.size() + 7) / 8;
  if (chunks_.empty() || used_ + words > chunk_words_) {
    // A string longer than a chunk gets chunks of its own; its entry starts the first of them.
    const size_t chunk_count = (words + kChunkWords - 1) / kChunkWords;
    memory_.push_back(std::make_unique<Memory>(chunk_count * kChunkWords * sizeof(uint64_t)));
    chunks_.push_back(reinterpret_cast<uint64_t*>(memory_.back()->data));
    for (size_t k = 1; k < chunk_count; ++k) chunks_.push_back(nullptr);
    used_ = 0;
    chunk_words_ = chunk_count * kChunkWords;
  }
  size_t first_chunk = chunks_.size() - 1;
  while (chunks_[first_chunk] == nullptr) --first_chunk;
  uint64_t* entry = chunks_[first_chunk] + used_;
  entry[0] = (static_cast<uint64_t>(s.size()) << 32) | id;
  char* bytes = reinterpret_cast<char*>(entry + 1);
  if (!s.empty()) std::memcpy(bytes, s.data(), s.size());
  const size_t offset = (first_chunk << kChunkBits) + used_;
  if (offset >= UINT32_MAX) throw std::length_error("string pool: more than 32 GB of text");
  entry_offset_ = static_cast<uint32_t>(offset);
  used_ += words;
  if (chunk_words_ > kChunkWords) used_ = chunk_words_;  // a long string's chunks hold nothing else
  return bytes;
}

const uint64_t* StringPool::entry_at(uint32_t offset) const {
  return chunks_[offset >> kChunkBits] + (offset & (kChunkWords - 1));
}

void StringPool::grow() {
  const unsigned new_bits = bits_ + 1;
  auto table = std::make_unique<Memory>((size_t{1} << new_bits) * sizeof(uint64_t));
  auto* slots = reinterpret_cast<uint64_t*>(table->data);
  const size_t mask = (size_t{1} << new_bits) - 1;
  const size_t old_size = size_t{1} << bits_;
  for (size_t k = 0; k < old_size; ++k) {
    const uint64_t slot = slots_[k];
    if (slot == 0) continue;
    size_t i = static_cast<size_t>(slot >> (64 - new_bits));  // the tag holds the hash's top bits
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = slot;
  }
  table_ = std::move(table);
  slots_ = slots;
  bits_ = new_bits;
}

void StringPool::absorb(StringPool&& overlay) {
  if (overlay.base_ != this || overlay.base_size_ != size()) throw std::logic_error("string pool: absorbing an overlay made on another state");
  // The overlay's arena chunks follow ours; its entries' offsets shift by our chunks' span.
  const size_t shift = chunks_.size() << kChunkBits;
  if (shift + (overlay.chunks_.size() << kChunkBits) >= UINT32_MAX) throw std::length_error("string pool: more than 32 GB of text");
  for (auto& m : overlay.memory_) memory_.push_back(std::move(m));
  chunks_.insert(chunks_.end(), overlay.chunks_.begin(), overlay.chunks_.end());
  used_ = chunk_words_ = 0;  // the next text opens a chunk of its own: the adopted ones are full
  // The larger table takes the smaller one's entries (usually the overlay's holds most texts: its slots
  // only need their offsets shifted).
  const size_t total = offsets_.size() + overlay.offsets_.size();
  size_t shift_in = shift;  // what the entries moved into the kept table must add to their offsets
  if (overlay.bits_ > bits_) {
    const size_t overlay_slots = size_t{1} << overlay.bits_;
    for (size_t k = 0; k < overlay_slots; ++k) {
      if (overlay.slots_[k] != 0) overlay.slots_[k] += shift;  // the offset is the low half
    }
    std::swap(table_, overlay.table_);
    std::swap(slots_, overlay.slots_);
    std::swap(bits_, overlay.bits_);
    shift_in = 0;  // the entries to move are ours, now in the overlay's place
  }
  while (total * 10 > (size_t{7} << bits_)) grow();  // load factor 0.7, as intern keeps it
  insert_slots(overlay.slots_, overlay.bits_, shift_in);
  for (uint32_t offset : overlay.offsets_) offsets_.push_back(static_cast<uint32_t>(offset + shift));
  overlay.memory_.clear();
  overlay.chunks_.clear();
  overlay.offsets_.clear();
}

// Puts another table's entries (their offsets moved by `shift`) into this one, which has room for them.
void StringPool::insert_slots(const uint64_t* slots, unsigned bits, size_t shift) {
  const size_t mask = (size_t{1} << bits_) - 1;
  for (size_t k = 0; k < (size_t{1} << bits); ++k) {
    const uint64_t slot = slots[k];
    if (slot == 0) continue;
    size_t i = static_cast<size_t>(slot >> (64 - bits_));  // the tag holds the hash's top bits
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = slot + shift;
  }
}

uint32_t StringPool::find(std::string_view s) const { return find_hashed(s, hash_bytes(s.data(), s.size())); }

uint32_t StringPool::find_hashed(std::string_view s, uint64_t h) const {
  if (base_) {
    const uint32_t id = base_->find_hashed(s, h);
    if (id != UINT32_MAX) return id;
  }
  const uint64_t tag = h & kTagMask;
  const size_t mask = (size_t{1} << bits_) - 1;
  for (size_t i = slot_index(h);; i = (i + 1) & mask) {
    const uint64_t slot = slots_[i];
    if (slot == 0) return UINT32_MAX;
    if ((slot & kTagMask) != tag) continue;
    const uint64_t* entry = entry_at(static_cast<uint32_t>(slot) - 1);
    if ((entry[0] >> 32) == s.size() && (s.empty() || std::memcmp(entry + 1, s.data(), s.size()) == 0))
      return static_cast<uint32_t>(entry[0]);
  }
}

uint32_t StringPool::intern_hashed(std::string_view s, uint64_t h) {
  if (base_) {
    const uint32_t id = base_->find_hashed(s, h);
    if (id != UINT32_MAX) return id;
  }
  const uint64_t tag = h & kTagMask;
  const size_t mask = (size_t{1} << bits_) - 1;
  size_t i = slot_index(h);
  for (;; i = (i + 1) & mask) {
    const uint64_t slot = slots_[i];
    if (slot == 0) break;
    if ((slot & kTagMask) != tag) continue;
    const uint64_t* entry = entry_at(static_cast<uint32_t>(slot) - 1);
    if ((entry[0] >> 32) == s.size() && (s.empty() || std::memcmp(entry + 1, s.data(), s.size()) == 0))
      return static_cast<uint32_t>(entry[0]);
  }
  const auto id = static_cast<uint32_t>(size());
  store(s, id);
  offsets_.push_back(entry_offset_);
  slots_[i] = tag | (static_cast<uint64_t>(entry_offset_) + 1);
  if (offsets_.size() * 10 > (size_t{7} << bits_)) grow();  // load factor 0.7
  return id;
}

std::string_view StringPool::text(uint32_t id) const {
  if (id < base_size_) return base_->text(id);
  const uint64_t* entry = entry_at(offsets_[id - base_size_]);
  return std::string_view(reinterpret_cast<const char*>(entry + 1), static_cast<size_t>(entry[0] >> 32));
}

uint64_t StringPool::hash(std::string_view s) { return hash_bytes(s.data(), s.size()); }

uint32_t StringPool::intern(std::string_view s) { return intern_hashed(s, hash_bytes(s.data(), s.size())); }

void StringPool::intern_many(const std::string_view* in, size_t n, uint32_t* out) {
  constexpr size_t kBatch = 256;
  uint64_t hashes[kBatch];
  for (size_t base = 0; base < n; base += kBatch) {
    const size_t m = std::min(kBatch, n - base);
    // Three passes over the batch: fetch the slots, then the entries the slots point at, then look up
    // for real, when the memory is (mostly) in the cache.
    for (size_t k = 0; k < m; ++k) {
      hashes[k] = hash_bytes(in[base + k].data(), in[base + k].size());
      __builtin_prefetch(&slots_[slot_index(hashes[k])]);
    }
    for (size_t k = 0; k < m; ++k) {
      const uint64_t slot = slots_[slot_index(hashes[k])];
      if (slot != 0 && (slot & kTagMask) == (hashes[k] & kTagMask))
        __builtin_prefetch(entry_at(static_cast<uint32_t>(slot) - 1));
    }
    for (size_t k = 0; k < m; ++k) out[base + k] = intern_hashed(in[base + k], hashes[k]);
  }
}

const Column* Table::column(std::string_view column_name) const {
  for (const auto& c : columns)
    if (c.spec.name == column_name) return &c;
  return nullptr;
}

std::string InputError::to_string() const {
  std::string r = file;
  if (row > 0) {  // a database's row: its place in what the query gave, and its key
    r += fmt::format(": row {}", row);
    if (!key.empty()) r += fmt::format(" ({})", key);
  } else if (line > 0) {
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
    case ColumnKind::Text: return std::string(column.texts.empty() ? pool.text(static_cast<uint32_t>(v)) : column.texts[row]);
    case ColumnKind::Date: return format_date(static_cast<DayNumber>(v));
    case ColumnKind::Enum: return column.spec.enum_members.at(static_cast<size_t>(v));
  }
  return "";
}

std::string csv_quote(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string r = "\"";
  for (char c : s) {
    if (c == '"') r += '"';
    r += c;
  }
  r += '"';
  return r;
}

namespace {
// The line end `raw` finishes with ("\r\n", "\n" or none), and `raw` without it.
std::pair<std::string_view, std::string_view> split_line_end(std::string_view raw) {
  size_t n = 0;
  if (!raw.empty() && raw.back() == '\n') n = raw.size() >= 2 && raw[raw.size() - 2] == '\r' ? 2 : 1;
  return {raw.substr(0, raw.size() - n), raw.substr(raw.size() - n)};
}
}  // namespace

std::string rejected_row(std::string_view raw, uint64_t line, std::string_view reason, std::string_view line_end,
                         std::string_view file) {
  auto [row, end] = split_line_end(raw);
  std::string out(row);
  if (!file.empty()) out += fmt::format(",{}", csv_quote(file));
  out += fmt::format(",{},{}", line, csv_quote(reason));
  out += end.empty() ? line_end : end;
  return out;
}

std::string rejects_header(std::string_view header_line, bool with_file) {
  auto [header, end] = split_line_end(header_line);
  return fmt::format("{}{},_line,_error{}", header, with_file ? ",_file" : "", end.empty() ? std::string_view("\n") : end);
}

std::optional<FieldPosition> field_position(std::string_view raw, size_t field) {
  FieldPosition at;
  size_t fields_before = 0;
  bool quoted = false;
  for (size_t i = 0; i < raw.size() && fields_before < field; ++i) {
    const char c = raw[i];
    if (c == '"') quoted = !quoted;  // a doubled quote toggles twice: still inside
    if (!quoted && (c == '\n' || c == '\r')) return std::nullopt;  // the row's end
    if (c == '\n') {
      ++at.lines_down;
      at.column = 1;
      continue;
    }
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++at.column;
    if (!quoted && c == ',') ++fields_before;
  }
  if (fields_before < field) return std::nullopt;
  return at;
}

}  // namespace rebate::ledger

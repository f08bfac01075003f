// The JIT's object cache (object_cache.h): one file per module, `<hash>.o`, holding a magic line, the
// sizes of the header (build and options), of the IR and of the object, the object's checksum, then the
// header and the IR in full, then the object. A file that does not add up is not used.
#include "jit/object_cache.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

namespace rebate::jit {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMagic = "rebate-jit-object 1\n";

// FNV-1a, 64 bits: a file name, not a proof of equality (load() compares the texts themselves).
uint64_t fnv1a(std::string_view a, std::string_view b) {
  uint64_t h = 1469598103934665603ull;
  for (std::string_view s : {a, b}) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  }
  return h;
}

std::string cache_dir() {
  if (const char* own = std::getenv("REBATE_JIT_CACHE")) return std::string(own) == "off" ? "" : own;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/rebate/jit";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/rebate/jit";
  return "";
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return std::nullopt;
  return text.str();
}

// A size written as 16 hex digits, and read back.
std::string size_field(size_t n) { return fmt::format("{:016x}", n); }
std::optional<size_t> read_size(std::string_view text, size_t at) {
  if (text.size() < at + 16) return std::nullopt;
  size_t n = 0;
  for (size_t i = at; i < at + 16; ++i) {
    const char c = text[i];
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    n = n * 16 + static_cast<size_t>(d);
  }
  return n;
}

}  // namespace

ObjectCache::ObjectCache(std::string build) : dir_(cache_dir()), build_(std::move(build)) {
  if (dir_.empty()) return;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_, ec)) dir_.clear();  // no cache, rather than an error: the run compiles
}

std::string ObjectCache::header(const std::string& ir, const std::string& options) const {
  return fmt::format("{}\n{}\n{}", build_, options, ir.size());
}

// Where the object of this header and IR is kept.
static std::string entry(const std::string& dir, const std::string& head, const std::string& ir) { return fmt::format("{}/{:016x}.o", dir, fnv1a(head, ir)); }

std::optional<std::string> ObjectCache::load(const std::string& ir, const std::string& options) const {
  if (!enabled()) return std::nullopt;
  const std::string head = header(ir, options);
  const std::string file = entry(dir_, head, ir);
  std::optional<std::string> text = read_file(file);
  if (!text || text->compare(0, kMagic.size(), kMagic) != 0) return std::nullopt;
  size_t at = kMagic.size();
  const std::optional<size_t> head_size = read_size(*text, at), ir_size = read_size(*text, at + 16), object_size = read_size(*text, at + 32),
                              checksum = read_size(*text, at + 48);
  at += 64;
  if (!head_size || !ir_size || !object_size || !checksum || text->size() != at + *head_size + *ir_size + *object_size) return std::nullopt;
  if (text->compare(at, *head_size, head) != 0 || text->compare(at + *head_size, *ir_size, ir) != 0) return std::nullopt;
  std::string object = text->substr(at + *head_size + *ir_size);
  if (fnv1a(object, "") != *checksum) return std::nullopt;  // damaged on disk
  std::error_code ec;
  fs::last_write_time(file, fs::file_time_type::clock::now(), ec);  // recently used: kept longest
  return object;
}

void ObjectCache::store(const std::string& ir, const std::string& options, const std::string& object) const {
  if (!enabled()) return;
  const std::string head = header(ir, options);
  const std::string file = entry(dir_, head, ir);
  const std::string temporary = fmt::format("{}.{}.tmp", file, ::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << kMagic << size_field(head.size()) << size_field(ir.size()) << size_field(object.size()) << size_field(fnv1a(object, "")) << head << ir << object;
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(temporary, ec);
      return;
    }
  }
  std::error_code ec;
  fs::rename(temporary, file, ec);
  if (ec) {
    fs::remove(temporary, ec);
    return;
  }
  // The least recently used entries go past kMaxEntries (another process may remove them first).
  std::vector<std::pair<fs::file_time_type, fs::path>> entries;
  for (const fs::directory_entry& e : fs::directory_iterator(dir_, ec)) {
    if (e.path().extension() == ".o") entries.emplace_back(e.last_write_time(ec), e.path());
  }
  if (entries.size() <= kMaxEntries) return;
  std::sort(entries.begin(), entries.end());
  for (size_t i = 0; i + kMaxEntries < entries.size(); ++i) fs::remove(entries[i].second, ec);
}

}  // namespace rebate::jit

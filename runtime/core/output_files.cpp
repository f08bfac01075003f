#include "core/output_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <tuple>

namespace rebate {

bool OutputFiles::Identity::operator<(const Identity& o) const {
  return std::tie(device, inode, name) < std::tie(o.device, o.inode, o.name);
}

std::optional<OutputFiles::Identity> OutputFiles::identify(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return Identity{st.st_dev, st.st_ino, {}};
  if (errno != ENOENT) return std::nullopt;
  // Not there yet (or a dangling link, which a rename replaces): its directory and its name.
  const std::filesystem::path p(path);
  std::string dir = p.parent_path().string();
  if (dir.empty()) dir = ".";
  if (::stat(dir.c_str(), &st) != 0) return std::nullopt;
  return Identity{st.st_dev, st.st_ino, p.filename().string()};
}

OutputFiles::~OutputFiles() {
  for (const Output& o : outputs_) {
    if (!o.temporary.empty()) ::unlink(o.temporary.c_str());
  }
}

void OutputFiles::add_input(const std::string& path, const std::string& what) {
  if (std::optional<Identity> id = identify(path)) claimed_.emplace(*id, what);
}

std::optional<std::string> OutputFiles::add_output(const std::string& path, const std::string& what) {
  const std::filesystem::path p(path);
  if (p.filename().empty() || p.filename() == "." || p.filename() == "..") {
    return fmt::format("cannot write {} to `{}`: it names a directory, not a file", what, path);
  }
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) return fmt::format("cannot write {} to `{}`: it is a directory", what, path);
  std::optional<Identity> id = identify(path);
  if (!id) return fmt::format("cannot write {} to `{}`: {}", what, path, std::strerror(errno));
  if (auto it = claimed_.find(*id); it != claimed_.end()) {
    return fmt::format("{} would be written to `{}`, which is {}; choose another path", what, path, it->second);
  }
  if (exists && !S_ISREG(st.st_mode)) {
    // A device, a pipe, a socket (`/dev/stdout`, `>(gzip > x)`): a stream, written as it is; renaming a
    // file over it would replace the device node itself.
    claimed_.emplace(*id, fmt::format("{} (`{}`)", what, path));
    outputs_.push_back(Output{path, {}, false});
    return std::nullopt;
  }
  // The temporary beside it: `.NAME.rebate-XXXXXX`, hidden, in the same directory.
  std::string dir = p.parent_path().string();
  std::string pattern = (dir.empty() ? std::string() : dir + "/") + "." + p.filename().string() + ".rebate-XXXXXX";
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) return fmt::format("cannot write {} to `{}`: {}", what, path, std::strerror(errno));
  ::close(fd);
  claimed_.emplace(*id, fmt::format("{} (`{}`)", what, path));
  outputs_.push_back(Output{path, pattern, false});
  return std::nullopt;
}

std::optional<std::string> OutputFiles::add_rewrite(const std::string& path, const std::string& what) {
  std::error_code ec;
  const std::filesystem::path real = std::filesystem::canonical(path, ec);
  if (ec) return fmt::format("cannot write {} to `{}`: {}", what, path, ec.message());
  struct stat st {};
  if (::stat(real.c_str(), &st) != 0) return fmt::format("cannot write {} to `{}`: {}", what, path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fmt::format("cannot write {} to `{}`: it is not a regular file", what, path);
  if (std::optional<std::string> error = add_output(real.string(), what)) return error;
  // Asked for by the name it was given (write_path), renamed over the file that name leads to (commit).
  Output& added = outputs_.back();
  added.target = added.path;
  added.path = path;
  added.mode = st.st_mode & 07777;
  return std::nullopt;
}

std::string OutputFiles::write_path(const std::string& path) {
  for (Output& o : outputs_) {
    if (o.path == path) {
      o.used = true;
      return o.temporary.empty() ? o.path : o.temporary;  // no temporary: a stream, written directly
    }
  }
  return path;
}

std::optional<std::string> OutputFiles::commit() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  for (Output& o : outputs_) {
    if (o.temporary.empty()) continue;
    if (o.used) {
      // mkstemp made it readable by its owner only; a new file gets what the umask allows, a rewritten
      // one what it had.
      const mode_t mode = o.mode ? *o.mode : (0666 & ~mask);
      const std::string& target = o.target.empty() ? o.path : o.target;
      if (::chmod(o.temporary.c_str(), mode) != 0 || ::rename(o.temporary.c_str(), target.c_str()) != 0) {
        return fmt::format("cannot write `{}`: {}", o.path, std::strerror(errno));
      }
    } else {
      ::unlink(o.temporary.c_str());
    }
    o.temporary.clear();
  }
  return std::nullopt;
}

std::string safe_file_name(std::string_view text) {
  constexpr size_t kMaxBytes = 200;
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                      (c == '.' && i > 0);
    if (keep) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  if (out.empty()) return "%";  // the empty text: a name of its own, which no other text gives
  if (out.size() <= kMaxBytes) return out;
  uint64_t hash = 14695981039346656037ull;  // FNV-1a: the same name for the same text on every machine
  for (char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  size_t cut = kMaxBytes - 19;  // room for `%~` and 16 hex digits
  // Never cut a `%XX` in two (a `%` only ever starts one).
  if (out[cut - 1] == '%') {
    cut -= 1;
  } else if (out[cut - 2] == '%') {
    cut -= 2;
  }
  const std::string head = out.substr(0, cut);
  return fmt::format("{}%~{:016x}", head, hash);
}

}  // namespace rebate

// Finding the `.rebate` files under the paths a command is given.
#include "rebate_files.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "parse/parse.h"

namespace rebate::cli {

namespace {

namespace fs = std::filesystem;

// Every `.rebate` file under `dir`, recursively, in a fixed order; hidden directories (.git) left out.
bool collect(const fs::path& dir, std::vector<RebateFile>& out, std::string& error) {
  std::error_code ec;
  std::vector<std::string> found;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    const std::string leaf = p.filename().string();
    if (it->is_directory(ec) && leaf.size() > 1 && leaf[0] == '.') {
      it.disable_recursion_pending();
      continue;
    }
    if (p.extension() == ".rebate" && it->is_regular_file(ec)) found.push_back(p.lexically_normal().string());
  }
  if (ec) {
    error = fmt::format("cannot read the directory `{}`: {}", dir.string(), ec.message());
    return false;
  }
  std::sort(found.begin(), found.end());
  for (std::string& f : found) out.push_back(RebateFile{std::move(f), false});
  return true;
}

}  // namespace

bool find_rebate_files(const std::vector<std::string>& paths, std::vector<RebateFile>& files, std::string& error) {
  const std::vector<std::string> roots = paths.empty() ? std::vector<std::string>{"."} : paths;
  for (const std::string& path : roots) {
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) {
      error = fmt::format("`{}` does not exist", path);
      return false;
    }
    if (fs::is_directory(st)) {
      if (!collect(path, files, error)) return false;
    } else {
      files.push_back(RebateFile{path, true});
    }
  }
  return true;
}

std::optional<std::string> read_program_stdin(std::string& error) {
  std::string text;
  char buffer[65536];
  while (text.size() <= kMaxSourceBytes) {
    const size_t n = std::fread(buffer, 1, sizeof buffer, stdin);
    text.append(buffer, n);
    if (n < sizeof buffer) break;
  }
  if (std::ferror(stdin)) {
    error = fmt::format("cannot read standard input: {}", std::strerror(errno));
    return std::nullopt;
  }
  if (text.size() > kMaxSourceBytes + 1) text.resize(kMaxSourceBytes + 1);
  return text;
}

}  // namespace rebate::cli

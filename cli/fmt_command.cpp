// `rebate fmt [--check] [--diff] [PATH...|-]`: programs rewritten in the canonical layout of
// docs/style.md (compiler/format).
//
// A file PATH is formatted in place, a directory is every `.rebate` file under it, no PATH is the current
// directory (rebate_files.h, as `rebate test`); `-` reads standard input and writes the result to standard
// output. A file is rewritten only when its text changes, through a temporary file beside it that is
// renamed over it (core/output_files.h), so a crash or a full disk leaves the old text whole. A file with
// syntax errors (or whose formatted text would be over the size a program may have) is left as it is,
// its diagnostics printed. `--check` writes nothing and names each file
// that would change; `--diff` writes nothing and prints what would change as a unified diff.
// Exit 0; 1 when a file has syntax errors, or `--check` found one that would change; 2 for usage or I/O
// problems.
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "commands.h"
#include "core/output_files.h"
#include "diagnostics/render.h"
#include "driver/compilation.h"
#include "driver/lints_difference.h"
#include "format/format.h"
#include "format/line_diff.h"
#include "parse/parse.h"
#include "rebate_files.h"

namespace rebate::cli {

namespace {

struct FmtOptions {
  std::vector<std::string> paths;
  bool check = false;
  bool diff = false;
};

constexpr const char* kStdinLabel = "<stdin>";

// Writes all of `text` to the file at `path` (an OutputFiles temporary) and flushes it to the disk; the
// error message when it cannot.
std::optional<std::string> write_file(const std::string& path, const std::string& shown, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return fmt::format("cannot write `{}`: {}", shown, std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : EIO;
      ::close(fd);
      return fmt::format("cannot write `{}`: {}", shown, std::strerror(error));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return fmt::format("cannot write `{}`: {}", shown, std::strerror(errno));
  return std::nullopt;
}


class Formatter {
 public:
  explicit Formatter(const FmtOptions& o) : o_(o), color_(isatty(STDERR_FILENO) && getenv("NO_COLOR") == nullptr) {}

  int run() {
    const bool from_stdin = std::find(o_.paths.begin(), o_.paths.end(), "-") != o_.paths.end();
    if (from_stdin && o_.paths.size() > 1) {
      fmt::print(stderr, "rebate fmt: `-` (standard input) cannot be given with other paths\n");
      return kExitUsage;
    }
    if (from_stdin) {
      std::string error;
      std::optional<std::string> text = read_program_stdin(error);
      if (!text) {
        fmt::print(stderr, "rebate fmt: {}\n", error);
        return kExitUsage;
      }
      format_one(kStdinLabel, *text, true);
    } else {
      std::vector<RebateFile> files;
      std::string error;
      if (!find_rebate_files(o_.paths, files, error)) {
        fmt::print(stderr, "rebate fmt: {}\n", error);
        return kExitUsage;
      }
      for (const RebateFile& file : files) {
        DiagKind kind = DiagKind::CannotReadFile;
        std::optional<std::string> text = read_source_file(file.path, error, &kind);
        if (!text) {
          fmt::print(stderr, "rebate fmt: {}\n", error);
          fail(kind == DiagKind::FileTooLarge ? kExitErrors : kExitUsage);
          continue;
        }
        format_one(file.path, *text, false);
      }
    }
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
      fmt::print(stderr, "rebate fmt: cannot write to standard output\n");
      fail(kExitUsage);
    }
    if (not_formatted_ > 0) {
      if (not_formatted_ == 1) {
        fmt::print(stderr, "rebate fmt: 1 file has errors and was left as it was\n");
      } else {
        fmt::print(stderr, "rebate fmt: {} files have errors and were left as they were\n", not_formatted_);
      }
    }
    return status_;
  }

 private:
  void fail(int code) { status_ = std::max(status_, code); }

  void format_one(const std::string& path, const std::string& text, bool to_stdout) {
    SourceMap sources;
    const SourceFile& file = sources.file(sources.add(path, text));
    Diagnostics diags;
    format::Formatted result = format::format_file(file, diags);
    if (result.errors) {
      RenderOptions shown;
      shown.color = color_;
      const std::string rendered = render(diags, sources, shown);
      std::fwrite(rendered.data(), 1, rendered.size(), stderr);
      ++not_formatted_;
      fail(kExitErrors);
      return;
    }
    if (!result.text) {
      fmt::print(stderr, "rebate fmt: `{}` was left as it was: the formatter failed its own check ({}); please report this\n",
                 path, result.internal_error);
      fail(kExitUsage);
      return;
    }
    const std::string& formatted = *result.text;
    const bool changed = formatted != text;
    if (changed && has_allow_comments(text)) {
      // Allow comments silence lints by lines: moving code between lines must not change what they reach.
      const std::string difference = lints_difference(path, text, formatted);
      if (!difference.empty()) {
        fmt::print(stderr,
                   "rebate fmt: `{}` was left as it was: formatted, its {} (code would move onto or off the line of an "
                   "allow comment: split that line, or move the comment to the line the warning is on)\n",
                   path, difference);
        ++not_formatted_;
        fail(kExitErrors);
        return;
      }
    }
    if (o_.check && changed) {
      fmt::print("would reformat {}\n", path);
      fail(kExitErrors);
    }
    if (o_.diff && changed) {
      const std::string diff = format::unified_diff(text, formatted, path);
      std::fwrite(diff.data(), 1, diff.size(), stdout);
    }
    if (o_.check || o_.diff) return;
    if (to_stdout) {
      std::fwrite(formatted.data(), 1, formatted.size(), stdout);
      return;
    }
    if (!changed) return;
    OutputFiles outputs;
    std::optional<std::string> error = outputs.add_rewrite(path, "the formatted program");
    if (!error) error = write_file(outputs.write_path(path), path, formatted);
    if (!error) error = outputs.commit();
    if (error) {
      // The temporary is removed as `outputs` goes; the file keeps its old text.
      fmt::print(stderr, "rebate fmt: {}; `{}` was left as it was\n", *error, path);
      fail(kExitUsage);
    }
  }

  const FmtOptions& o_;
  const bool color_;
  int status_ = kExitOk;
  size_t not_formatted_ = 0;
};

}  // namespace

std::function<int()> add_fmt_command(CLI::App& app) {
  auto options = std::make_shared<FmtOptions>();
  CLI::App* cmd = app.add_subcommand("fmt", "Rewrite programs in the canonical layout (docs/style.md)");
  cmd->add_option("paths", options->paths,
                  "Files or directories (every .rebate file under them, recursively); `-` formats standard input to "
                  "standard output; default: the current directory");
  cmd->add_flag("--check", options->check, "Change nothing; name each file that would change, and exit 1 if any would");
  cmd->add_flag("--diff", options->diff, "Change nothing; print what would change as a unified diff");
  return [options] { return Formatter(*options).run(); };
}

}  // namespace rebate::cli

// Programs read from a git revision (`rebate diff git:REV:PATH ...`): the file, and every file it
// imports, from that revision, through the compiler's overlay, never from the disk. git runs as a child
// process with its arguments as an argv array (no shell), in the current directory.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driver/compilation.h"

namespace rebate::cli {

struct GitProgram {
  std::string revision;  // REV
  std::string path;      // PATH from the top of the repository
  std::string name;      // `REV:/PATH`: the compiler's name for the file (in messages); imports resolve beside it
};

// `git:REV:PATH` as a program, or nullopt with the reason in `error` (a usage problem). PATH is read as
// git reads it: from the top of the repository, or from the current directory when it starts with `./`
// or `../`.
std::optional<GitProgram> git_program(std::string_view spec, std::string& error);

// The text of PATH (from the top of the repository) in REV: `git cat-file blob REV:PATH`; nullopt with
// git's message in `error` (a bad revision, a path the revision does not have, no repository).
std::optional<std::string> git_file(const std::string& revision, const std::string& path, std::string& error);

// The compiler's options for a program read from `revision`: a file named `REV:/...` is read from the
// revision, and nothing from the disk.
CompileOptions git_compile_options(const std::string& revision);

// A child process's exit and output (at most `out_limit` bytes of standard output are kept; the rest is
// read and dropped).
struct ProcessResult {
  bool started = false;
  int exit_code = -1;
  std::string out, err;
};
ProcessResult run_process(const std::vector<std::string>& argv, size_t out_limit);

}  // namespace rebate::cli

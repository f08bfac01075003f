// The `.rebate` files a command is given (`rebate test`, `rebate fmt`): a file PATH is itself; a
// directory is every `.rebate` file under it, recursively, hidden directories (.git) left out, in a fixed
// order; no PATH at all is the current directory.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace rebate::cli {

struct RebateFile {
  std::string path;
  bool named = false;  // named on the command line (not found in a directory)
};

// The files, or false with `error` saying why (a PATH that does not exist, a directory that cannot be
// read): a usage or I/O problem.
bool find_rebate_files(const std::vector<std::string>& paths, std::vector<RebateFile>& files, std::string& error);

// A program on standard input (`rebate check -`, `rebate fmt -`), whole, or cut one byte past the size a
// program may have (the parser then reports E0103); nullopt with `error` set when it cannot be read.
std::optional<std::string> read_program_stdin(std::string& error);

}  // namespace rebate::cli

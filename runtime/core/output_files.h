// Every file one command writes, written so that nothing it reads is ever overwritten and a failed
// command leaves nothing half-written.
//
// - An output is never one of the command's inputs nor another of its outputs. Files are compared by
//   identity, not by spelling: an existing file by its device and inode (so a symbolic link, a hard link,
//   `./x` or `../d/x` all name the same file), a file still to be made by its directory's device and
//   inode and its name.
// - An output is written to a temporary file beside it (same directory, hence the same file system) and
//   renamed into place by commit(), all outputs together, once the command has succeeded. A command that
//   fails, throws (out of memory) or never reaches commit() leaves the temporaries removed and every
//   existing file as it was. An output that exists and is not a regular file (a device such as
//   /dev/stdout, a named pipe) is a stream: it is written directly, never renamed over.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rebate {

class OutputFiles {
 public:
  OutputFiles() = default;
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;
  ~OutputFiles();  // removes the temporaries that were not committed

  // A file the command reads (`what` names it in messages: "the ledger `sales`"). A path that does not
  // exist is ignored (reading it will say so).
  void add_input(const std::string& path, const std::string& what);

  // A file the command may write. Checks it against the inputs and the other outputs and creates its
  // temporary file; the error message (naming both files) when it is refused or cannot be created.
  std::optional<std::string> add_output(const std::string& path, const std::string& what);

  // A file rewritten in place (`rebate fmt`): as add_output, for a file that exists, but a symbolic link
  // is followed (the file it names is replaced, the link kept) and the new contents keep the file's
  // permissions.
  std::optional<std::string> add_rewrite(const std::string& path, const std::string& what);

  // Where to write the output added as `path`: its temporary file, which commit() renames to `path`.
  // An output that was added but never asked for here is not created. A path that was not added is
  // returned as it is (library callers without an OutputFiles write directly).
  std::string write_path(const std::string& path);

  // Renames every output asked for into place (with the permissions a new file gets under the umask);
  // the error message when one cannot be.
  std::optional<std::string> commit();

 private:
  struct Identity {
    dev_t device = 0;
    ino_t inode = 0;
    std::string name;  // empty for an existing file (device and inode say which); else its name in the directory
    bool operator<(const Identity& o) const;
  };
  struct Output {
    std::string path;
    std::string temporary;
    bool used = false;
    std::optional<mode_t> mode;  // the permissions to give it (a rewritten file's own); else the umask's
    std::string target;          // where commit() renames it, when not `path` (a rewritten link's file)
  };
  static std::optional<Identity> identify(const std::string& path);

  std::map<Identity, std::string> claimed_;  // inputs and outputs, with what they are
  std::vector<Output> outputs_;
};

// A file name made from untrusted text (a partner id read from a ledger): the characters A-Z, a-z,
// 0-9, `-`, `_` and `.` kept, every other byte written as `%XX` (upper-case hex), and a leading `.`
// as `%2E`, so that the name has no `/`, is never `.` or `..`, is never hidden, and two texts never
// give the same name. At most 200 bytes; a longer text keeps its first bytes and ends in `%~` and the
// hash of the whole text in hex.
std::string safe_file_name(std::string_view text);

}  // namespace rebate

// Compiled code kept on disk between runs (docs/architecture.md, "The JIT's object cache"): optimising
// and generating machine code is most of what the JIT's compiling costs, and a program is run many
// times unchanged (each period, each test run, each CI job). A module's object is stored under a hash of
// everything it was made from (its unoptimised IR, how it was optimised, the machine it was made for,
// the LLVM and JIT versions), and a later run that generates the same IR loads it instead of compiling.
// The stored IR and build description are compared in full when loading, so a hash collision can never
// hand a run another module's code; a file that is short, damaged or of another version is not used.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace rebate::jit {

class ObjectCache {
 public:
  // The cache in `$REBATE_JIT_CACHE` (a directory), else `$XDG_CACHE_HOME/rebate/jit`, else
  // `$HOME/.cache/rebate/jit`; off when `REBATE_JIT_CACHE` is `off` or no directory can be found.
  // `build`: what the objects depend on besides their IR (versions, target, CPU and its features).
  explicit ObjectCache(std::string build);

  bool enabled() const { return !dir_.empty(); }
  // The object stored for this IR with `options` (say, "O2"), if there is an intact one.
  std::optional<std::string> load(const std::string& ir, const std::string& options) const;
  // Stores `object` for this IR (written to a temporary file and renamed, so a reader never sees half
  // of one); past kMaxEntries files, the least recently used go. Failing to write is not an error: the
  // next run compiles again.
  void store(const std::string& ir, const std::string& options, const std::string& object) const;

  static constexpr size_t kMaxEntries = 256;

 private:
  std::string header(const std::string& ir, const std::string& options) const;
  std::string dir_;
  std::string build_;
};

}  // namespace rebate::jit

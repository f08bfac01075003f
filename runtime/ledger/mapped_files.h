// Files read through a memory mapping, and what happens when one is cut short while it is read.
//
// The reader maps a ledger file instead of copying it. If another program truncates the file meanwhile
// (an export rewritten in place), touching a page past its new end raises SIGBUS, which would end the
// process without a word. The reader notes each mapping while it reads it (MappedFileNote); a program
// that calls guard_mapped_files() gets, for such a fault, a message naming the file and exit status 1
// (an error in the inputs) instead. A fault anywhere else is left to the default action.
#pragma once

#include <cstddef>
#include <string>

namespace rebate::ledger {

// Installs the SIGBUS handler (once; later calls do nothing). For programs (the CLI), not libraries:
// it exits the process.
void guard_mapped_files();

// While it lives, [start, start + size) is the mapping of `path` (at most 16 at once; more are simply
// not named).
class MappedFileNote {
 public:
  MappedFileNote(const void* start, size_t size, const std::string& path);
  ~MappedFileNote();
  MappedFileNote(const MappedFileNote&) = delete;
  MappedFileNote& operator=(const MappedFileNote&) = delete;

 private:
  int slot_ = -1;
};

}  // namespace rebate::ledger

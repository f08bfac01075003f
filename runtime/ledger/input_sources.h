// Private to runtime/ledger: how the public read_csv / stream_csv reach the sources an input names (a
// file, a glob or directory of files, standard input, a PostgreSQL table or query) and how each source
// hands its bytes to the reader (csv_read.cpp: mapped, or streamed from a ByteStream).
#pragma once

#include <string>
#include <vector>

#include "ledger/byte_stream.h"
#include "ledger/ledger.h"

namespace rebate::ledger::csv {

// How rows are read: into one table (`parts` null, texts in `pool`), or streamed to the parts: the
// read's first rows to `start`, its later stretches to parts->part(at + piece) (`at`: where the read
// starts in the ledger, a later file's place among the ledger's files), by up to `threads` threads.
struct Destination {
  StringPool* pool = nullptr;
  StreamParts* parts = nullptr;
  StreamPart start;
  uint64_t at = 0;
  size_t threads = 1;
  StringPool& first_pool() const { return parts ? *start.pool : *pool; }
  // A streamed read of a whole ledger: from its first row, on the parts' threads.
  static Destination streamed(StreamParts& parts) { return Destination{nullptr, &parts, parts.part(0), 0, parts.threads()}; }
};
// Where file `file` of a ledger in many files starts (Destination::at): its pieces after it.
inline uint64_t file_start(size_t file) { return static_cast<uint64_t>(file) << 32; }

// What errors call standard input.
inline const std::string kStandardInputName = "<stdin>";

// Any input (input_sources.cpp): what resolve_input says it is, read.
ReadResult read_input(const std::string& input, const TableSpec& spec, const ReadOptions& options, const Destination& to);

// A file: mapped when it is a regular uncompressed one, else streamed (decompressed when it is gzip or
// zstd). csv_read.cpp.
ReadResult read_file(const std::string& path, const TableSpec& spec, const ReadOptions& options, const Destination& to);
ReadResult read_standard_input(const TableSpec& spec, const ReadOptions& options, const Destination& to);
// A stream's CSV, a buffer at a time on one thread, `name` standing for it in errors. csv_read.cpp.
ReadResult read_stream(ByteStream& source, const std::string& name, const TableSpec& spec, const ReadOptions& options,
                       const Destination& to);

// A PostgreSQL table or query (postgres_source.cpp).
ReadResult read_postgres(const std::string& uri, const TableSpec& spec, const ReadOptions& options, const Destination& to);

}  // namespace rebate::ledger::csv

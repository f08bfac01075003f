// What an input names (resolve_input: a file, a glob, a directory, standard input, a database) and the
// read of each: one file or standard input by csv_read.cpp, a database by postgres_source.cpp, and many
// files here, as one ledger: in the order of their paths, each checked to have the first file's header.
#include <glob.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "core/threads.h"
#include "ledger/input_sources.h"

namespace rebate::ledger {

namespace {

bool has_glob_characters(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

// A directory's ledger files: `.csv`, `.csv.gz`, `.csv.zst` (any case).
bool is_ledger_file_name(std::string_view name) {
  const std::string lower = ascii_lower(name);
  for (std::string_view ext : {".csv", ".csv.gz", ".csv.zst"}) {
    if (lower.size() > ext.size() && lower.compare(lower.size() - ext.size(), ext.size(), ext) == 0) return true;
  }
  return false;
}

std::string names_list(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 5; ++i) out += fmt::format("{}`{}`", i ? ", " : "", names[i]);
  if (names.size() > 5) out += fmt::format(" and {} more", names.size() - 5);
  return out;
}

void list_directory(const std::string& dir, InputFiles& out) {
  std::error_code ec;
  std::vector<std::string> left_out;
  std::filesystem::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code type_ec;
    const bool file = it->is_regular_file(type_ec);  // follows symbolic links
    if (file && name[0] != '.' && is_ledger_file_name(name)) {
      out.files.push_back(it->path().string());
    } else {
      left_out.push_back(name);
    }
  }
  if (ec) {
    out.error = fmt::format("cannot list the directory `{}`: {}", dir, ec.message());
    return;
  }
  std::sort(left_out.begin(), left_out.end());
  if (out.files.empty()) {
    out.error = fmt::format("the directory `{}` holds no ledger file (`.csv`, `.csv.gz` or `.csv.zst`){}", dir,
                            left_out.empty() ? "" : fmt::format("; it has {}", names_list(left_out)));
    return;
  }
  if (!left_out.empty()) {
    out.notes.push_back(fmt::format("{} entr{} of the directory left out (not a `.csv`, `.csv.gz` or `.csv.zst` file, or hidden): {}",
                                    left_out.size(), left_out.size() == 1 ? "y" : "ies", names_list(left_out)));
  }
}

void expand_glob(const std::string& pattern, InputFiles& out) {
  glob_t g{};
  const int rc = ::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g);
  if (rc == GLOB_NOMATCH) {
    out.error = fmt::format("the pattern `{}` matches no file", pattern);
  } else if (rc != 0) {
    out.error = fmt::format("cannot expand the pattern `{}`: {}", pattern,
                            rc == GLOB_NOSPACE ? "out of memory" : "a directory on its way cannot be read");
  } else {
    for (size_t i = 0; i < g.gl_pathc; ++i) {
      const std::string path = g.gl_pathv[i];
      struct stat st {};
      if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        out.error = fmt::format("the pattern `{}` matches the directory `{}`; a pattern must match files only", pattern, path);
        break;
      }
      out.files.push_back(path);
    }
  }
  ::globfree(&g);
}

}  // namespace

bool is_database_uri(std::string_view input) {
  return input.substr(0, 13) == "postgresql://" || input.substr(0, 11) == "postgres://";
}

InputFiles resolve_input(const std::string& input) {
  InputFiles out;
  if (input == "-") {
    out.kind = InputFiles::Kind::StandardInput;
    return out;
  }
  if (is_database_uri(input)) {
    out.kind = InputFiles::Kind::Database;
    return out;
  }
  struct stat st {};
  const bool exists = ::stat(input.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) {
    out.kind = InputFiles::Kind::Files;
    list_directory(input, out);
  } else if (!exists && has_glob_characters(input)) {
    out.kind = InputFiles::Kind::Files;
    expand_glob(input, out);
  } else {
    out.files.push_back(input);  // a file (or a path that is not there: its read says so)
    return out;
  }
  // The order the files are read in is their paths' (bytes compared, not the locale's collation), so that
  // the payouts' first error, the rows' order and the rejects are the same however they were found.
  std::sort(out.files.begin(), out.files.end());
  return out;
}

namespace csv {

namespace {

// Many files as one ledger or table, one after another on one thread, each file by the path a single
// file takes (a large mapped one cut into pieces read by the run's threads). The errors, their order
// and the rejects of a ledger in many files are those of this read.
ReadResult read_files_in_turn(const std::string& name, const InputFiles& input, const TableSpec& spec, const ReadOptions& options,
                      const Destination& to) {
  ReadResult total;
  total.table.name = spec.name;
  for (const std::string& note : input.notes) total.notes.push_back(InputError{name, 0, 0, {}, note});
  // One thread: every file's rows into the first part, in the files' order.
  Destination one = to;
  one.threads = 1;
  // Each file's share of the ledger by its size on disk, so that a chunk's progress is the ledger's.
  std::vector<double> sizes;
  double all = 0;
  for (const std::string& f : input.files) {
    struct stat st {};
    sizes.push_back(::stat(f.c_str(), &st) == 0 ? static_cast<double>(st.st_size) : 0.0);
    all += sizes.back();
  }
  std::string first_with_header;
  std::vector<std::string> header;
  double before = 0;
  for (size_t i = 0; i < input.files.size(); ++i) {
    ReadOptions o = options;
    o.same_header = header;
    o.same_header_file = first_with_header;
    o.rejects_append = i > 0;
    o.rejects_name_file = true;  // `_line` alone would not say which file
    o.progress_from = all > 0 ? before / all : 0;
    o.progress_share = all > 0 ? sizes[i] / all : 0;
    before += sizes[i];
    // The errors kept are the first max_errors of all the files, in the files' order; past them, counted.
    const size_t kept = total.errors.size();
    const bool budget_spent = options.max_errors != 0 && kept >= options.max_errors;
    if (budget_spent && !options.count_all_errors) break;
    if (options.max_errors != 0) o.max_errors = budget_spent ? 1 : options.max_errors - kept;
    one.at = to.at + file_start(i);
    ReadResult r = read_file(input.files[i], spec, o, one);
    if (budget_spent) {
      r.errors_not_shown += r.errors.size();
      r.errors.clear();
    }
    if (header.empty() && !r.header.empty()) {
      header = r.header;
      first_with_header = input.files[i];
    }
    if (i == 0 || total.table.columns.empty()) {
      total.table = std::move(r.table);
    } else if (!to.parts) {  // a whole table: the rows appended (the same pool: the same text ids)
      for (size_t c = 0; c < total.table.columns.size() && c < r.table.columns.size(); ++c) {
        Column& dst = total.table.columns[c];
        const Column& src = r.table.columns[c];
        dst.values.insert(dst.values.end(), src.values.begin(), src.values.end());
        dst.present.insert(dst.present.end(), src.present.begin(), src.present.end());
      }
      total.table.lines.insert(total.table.lines.end(), r.table.lines.begin(), r.table.lines.end());
    }
    for (auto& e : r.errors) total.errors.push_back(std::move(e));
    total.errors_not_shown += r.errors_not_shown;
    for (auto& n : r.notes) total.notes.push_back(std::move(n));
    for (auto& e : r.rejected) {
      if (total.rejected.size() < options.max_rejects_reported) total.rejected.push_back(std::move(e));
    }
    total.rows_read += r.rows_read;
    total.rows_rejected += r.rows_rejected;
    total.io_failed = total.io_failed || r.io_failed;
    if (total.header.empty()) total.header = r.header;
  }
  total.table.source = input.files.empty() ? std::string() : input.files.front();
  if (!total.ok()) {  // a failed read leaves no rows behind
    for (Column& c : total.table.columns) {
      c.values.clear();
      c.present.clear();
    }
    total.table.lines.clear();
  }
  return total;
}

class DiscardRows : public RowSink {
 public:
  void rows(const Table&) override {}
};

// Many files streamed by N threads, as tasks. With as many files as threads or more, the files are cut
// into N runs of consecutive files of about equal bytes, each run a task that reads its files in turn
// into one part; with fewer, each file is a task with a share of the threads of its own, by which it is
// cut in pieces (csv_pieces.cpp). Either way each part holds consecutive rows of the ledger and is
// placed by where they start (the file's place, file_start, then the piece's), so every file's rows
// reach the parts in a one-thread read's order and the merge (parts in order) sees the keys appear as
// one thread would. Any error (a malformed row, a header unlike the first file's, an unreadable file)
// makes the files be read again by read_files_in_turn, without streaming rows, so that the errors,
// their order and max_errors are exactly a sequential read's. nullopt: one thread, or rejects (written
// in the files' order as read).
std::optional<ReadResult> read_files_on_parts(const std::string& name, const InputFiles& input, const TableSpec& spec,
                                              const ReadOptions& options, const Destination& to) {
  size_t threads = to.parts ? to.threads : 1;
  if (options.threads != 0) threads = std::min<size_t>(threads, options.threads);
  const size_t files = input.files.size();
  if (threads < 2 || files == 0 || options.reject_bad_rows) return std::nullopt;
  std::vector<double> sizes;
  double all = 0;
  for (const std::string& f : input.files) {
    struct stat st {};
    sizes.push_back(::stat(f.c_str(), &st) == 0 ? static_cast<double>(st.st_size) : 0.0);
    all += sizes.back();
  }
  // Task j: files [file_from[j], file_from[j + 1]), with threads [thread_from[j], thread_from[j + 1]).
  const size_t tasks = std::min(threads, files);
  std::vector<size_t> file_from(tasks + 1, files), thread_from(tasks + 1, threads);
  for (size_t j = 0; j < tasks; ++j) thread_from[j] = files >= threads ? j : threads * j / files;
  file_from[0] = 0;
  if (files >= threads) {  // a new run where the bytes before reach j / threads of the whole, one file each at least
    double before = 0;
    for (size_t i = 0, j = 1; i + 1 < files && j < tasks; ++i) {
      before += sizes[i];
      if (before >= all * static_cast<double>(j) / static_cast<double>(tasks) || files - (i + 1) <= tasks - j) file_from[j++] = i + 1;
    }
  } else {
    for (size_t j = 0; j < tasks; ++j) file_from[j] = j;
  }
  std::vector<ReadResult> results(files);
  std::vector<uint8_t> read(files, 0);
  for_each_task(tasks, [&](size_t j) {
    Destination into = to;
    into.threads = files >= threads ? 1 : thread_from[j + 1] - thread_from[j];
    if (j > 0) into.start = to.parts->part(to.at + file_start(file_from[j]));
    double task_bytes = 0, done = 0;
    for (size_t i = file_from[j]; i < file_from[j + 1]; ++i) task_bytes += sizes[i];
    std::vector<std::string> header;
    std::string header_file;
    for (size_t i = file_from[j]; i < file_from[j + 1]; ++i) {
      ReadOptions o = options;
      o.threads = options.threads == 0 ? 0 : static_cast<unsigned>(into.threads);
      into.at = to.at + file_start(i);
      o.same_header = header;
      o.same_header_file = header_file;
      o.progress_from = task_bytes > 0 ? done / task_bytes : 0;
      o.progress_share = task_bytes > 0 ? sizes[i] / task_bytes : 0;
      done += sizes[i];
      results[i] = read_file(input.files[i], spec, o, into);
      read[i] = 1;
      if (!results[i].ok() || results[i].split_missed) return;
      if (header.empty() && !results[i].header.empty()) {
        header = results[i].header;
        header_file = input.files[i];
      }
    }
  });
  bool ok = true, missed = false;
  const std::vector<std::string>* header = nullptr;  // the first file's with a header
  for (size_t i = 0; i < files && ok; ++i) {
    ok = read[i] && results[i].ok();
    missed = missed || results[i].split_missed;
    if (!ok || missed || results[i].header.empty()) continue;
    if (!header) header = &results[i].header;
    ok = results[i].header == *header;
  }
  if (!ok) {
    DiscardRows discard;
    OnePart nowhere(StreamPart{&discard, to.start.pool});
    ReadResult again = read_files_in_turn(name, input, spec, options, Destination{nullptr, &nowhere, nowhere.part(0), to.at, 1});
    if (again.ok()) {
      again.errors.push_back(InputError{name, 0, 0, {}, "internal error: the threads' reads of the files disagree with a one-thread read; please report this"});
    }
    return again;
  }
  ReadResult total;
  for (const std::string& note : input.notes) total.notes.push_back(InputError{name, 0, 0, {}, note});
  total.table = std::move(results[0].table);
  for (ReadResult& r : results) {
    for (auto& n : r.notes) total.notes.push_back(std::move(n));
    total.rows_read += r.rows_read;
    if (total.header.empty()) total.header = r.header;
  }
  total.table.source = input.files.front();
  // A guessed cut inside a quoted cell: the parts saw rows that are not the files'; read them again
  // with counted cuts (engine::run).
  total.split_missed = missed;
  return total;
}

ReadResult read_files(const std::string& name, const InputFiles& input, const TableSpec& spec, const ReadOptions& options,
                      const Destination& to) {
  if (std::optional<ReadResult> on_parts = read_files_on_parts(name, input, spec, options, to)) return std::move(*on_parts);
  return read_files_in_turn(name, input, spec, options, to);
}

}  // namespace

ReadResult read_input(const std::string& input, const TableSpec& spec, const ReadOptions& options, const Destination& to) {
  const InputFiles resolved = resolve_input(input);
  switch (resolved.kind) {
    case InputFiles::Kind::StandardInput: return read_standard_input(spec, options, to);
    case InputFiles::Kind::Database: return read_postgres(input, spec, options, to);
    case InputFiles::Kind::File: return read_file(resolved.files.front(), spec, options, to);
    case InputFiles::Kind::Files: {
      if (!resolved.error.empty()) {
        ReadResult r;
        r.table.name = spec.name;
        r.errors.push_back(InputError{input, 0, 0, {}, resolved.error});
        r.io_failed = true;
        return r;
      }
      return read_files(input, resolved, spec, options, to);
    }
  }
  return {};
}

}  // namespace csv

}  // namespace rebate::ledger

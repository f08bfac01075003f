// A mapped file cut short while it is read: the guard names it and exits with status 1 (in a child
// process, since that is what it does), instead of the process dying of SIGBUS.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "ledger/ledger.h"
#include "ledger/mapped_files.h"

using namespace rebate::ledger;

namespace {

struct Child {
  int status = 0;
  std::string err;
};

// Runs `body` in a child process with its standard error captured.
template <class Body>
Child in_child(const Body& body) {
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::close(pipe_fds[0]);
    body();
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  Child c;
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) c.err.append(buffer, static_cast<size_t>(n));
  ::close(pipe_fds[0]);
  ::waitpid(pid, &c.status, 0);
  return c;
}

// A 64 KiB file, mapped, then truncated to nothing; touching its last page faults.
void read_past_truncation(const std::string& path, bool noted) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) ::_exit(10);
  const std::string data(64 << 10, 'x');
  if (::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) ::_exit(11);
  void* map = ::mmap(nullptr, data.size(), PROT_READ, MAP_PRIVATE, fd, 0);
  if (map == MAP_FAILED) ::_exit(12);
  const MappedFileNote note(noted ? map : nullptr, noted ? data.size() : 0, path);
  if (::ftruncate(fd, 0) != 0) ::_exit(13);
  volatile char c = static_cast<const char*>(map)[data.size() - 1];
  (void)c;
  ::_exit(0);  // not reached: the read above faults
}

}  // namespace

TEST_CASE("a mapped file cut short while it is read is an error naming it, not a crash", "[ledger][mapped]") {
  const std::string path = "/tmp/rebate_mapped_test_" + std::to_string(::getpid()) + ".csv";
  const Child c = in_child([&] {
    guard_mapped_files();
    read_past_truncation(path, true);
  });
  ::unlink(path.c_str());
  INFO(c.err);
  REQUIRE(WIFEXITED(c.status));
  CHECK(WEXITSTATUS(c.status) == 1);
  CHECK(c.err.find("error: " + path + ": the file changed while it was being read") != std::string::npos);
}

TEST_CASE("a bus error outside the noted files keeps its default action", "[ledger][mapped]") {
  const std::string path = "/tmp/rebate_mapped_test_other_" + std::to_string(::getpid()) + ".csv";
  const Child c = in_child([&] {
    guard_mapped_files();
    read_past_truncation(path, false);
  });
  ::unlink(path.c_str());
  REQUIRE(WIFSIGNALED(c.status));
  CHECK(WTERMSIG(c.status) == SIGBUS);
  CHECK(c.err.empty());
}

TEST_CASE("a file written to while it is read fails the read, whatever its rows said", "[ledger][mapped]") {
  // Same size, other bytes: no fault, but rows of two versions of the file. The sink rewrites a byte of
  // a row it has already been given, in the middle of the read.
  const std::string path = "/tmp/rebate_changed_test_" + std::to_string(::getpid()) + ".csv";
  {
    std::string data = "partner,amount\n";
    for (int i = 0; i < 3 * static_cast<int>(kChunkRows); ++i) data += "P" + std::to_string(i % 7) + ",1.00\n";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
    ::close(fd);
  }
  struct Rewrite : RowSink {
    std::string path;
    size_t chunks = 0;
    void rows(const Table&) override {
      if (chunks++ != 0) return;
      const int fd = ::open(path.c_str(), O_WRONLY);
      if (fd >= 0 && ::pwrite(fd, "9", 1, 20) == 1) ::close(fd);
    }
  } sink;
  sink.path = path;
  ColumnSpec partner;
  partner.name = partner.header = "partner";
  partner.kind = ColumnKind::Text;
  ColumnSpec amount;
  amount.name = amount.header = "amount";
  amount.kind = ColumnKind::Money;
  amount.scale = 2;
  amount.currency = "USD";
  StringPool pool;
  ReadOptions one;
  one.threads = 1;
  OnePart part(StreamPart{&sink, &pool});
  const ReadResult r = stream_csv(path, TableSpec{"sales", {partner, amount}}, one, part);
  ::unlink(path.c_str());
  CHECK(sink.chunks >= 2);
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() == path + ": the file changed while it was being read; run again once it is complete");
}

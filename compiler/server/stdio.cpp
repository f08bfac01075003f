// The server's I/O: a thread reads standard input and frames messages; the main thread handles them,
// runs due re-checks between them, and writes responses to standard output. Everything the server has to
// say besides protocol messages goes to standard error.
#include "server/stdio.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>

#include "server/framing.h"

namespace rebate::server {

namespace {

struct Inbox {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<Frame> frames;
  bool closed = false;
};

void log_line(const std::string& message) { fmt::print(stderr, "rebate lsp: {}\n", message); }

bool write_all(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(STDOUT_FILENO, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Frames read by one read() go to the inbox together, so that a request and the `$/cancelRequest` the
// editor wrote right after it are seen in one batch.
void read_input(std::shared_ptr<Inbox> inbox) {
  FrameReader reader;
  std::string chunk(1 << 16, '\0');
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    std::vector<Frame> frames;
    if (n > 0) {
      reader.feed(std::string_view(chunk.data(), static_cast<size_t>(n)));
      while (auto f = reader.next()) frames.push_back(std::move(*f));
    }
    std::lock_guard<std::mutex> lock(inbox->mutex);
    for (Frame& f : frames) inbox->frames.push_back(std::move(f));
    if (n <= 0) {
      if (reader.pending() > 0) log_line(fmt::format("the input ended inside a message ({} bytes unread)", reader.pending()));
      inbox->closed = true;
    }
    inbox->ready.notify_one();
    if (n <= 0) return;
  }
}

}  // namespace

int run_stdio(ServerOptions options) {
  std::signal(SIGPIPE, SIG_IGN);  // an editor that goes away is a failed write, not a killed server
  bool output_failed = false;
  Server server(
      [&](const json& message) {
        if (output_failed) return;
        std::string body = message.dump(-1, ' ', false, json::error_handler_t::replace);
        if (!write_all(frame(body))) {
          output_failed = true;
          log_line("standard output is closed; stopping");
        }
      },
      log_line, options);
  auto inbox = std::make_shared<Inbox>();
  std::thread(read_input, inbox).detach();  // blocked in read() at exit; the process ends it
  for (;;) {
    std::deque<Frame> batch;
    bool closed = false;
    {
      std::unique_lock<std::mutex> lock(inbox->mutex);
      auto has_work = [&] { return !inbox->frames.empty() || inbox->closed; };
      if (auto due = server.next_due()) {
        inbox->ready.wait_until(lock, *due, has_work);
      } else {
        inbox->ready.wait(lock, has_work);
      }
      batch.swap(inbox->frames);
      closed = inbox->closed;
    }
    std::vector<std::string> bodies;
    for (Frame& f : batch) {
      if (f.ok) {
        bodies.push_back(std::move(f.body));
        continue;
      }
      server.handle_batch(bodies);
      bodies.clear();
      server.framing_error(f.error_code, f.error);
    }
    server.handle_batch(bodies);
    if (server.exited()) return server.exit_code();
    if (output_failed) return 1;
    server.run_due(Clock::now());
    if (closed) {
      log_line("the input ended without `exit`");
      return 1;
    }
  }
}

}  // namespace rebate::server

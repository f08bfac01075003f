// Programs read from a git revision (git_source.h).
#include "git_source.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "parse/parse.h"

extern char** environ;

namespace rebate::cli {

namespace fs = std::filesystem;

ProcessResult run_process(const std::vector<std::string>& args, size_t out_limit) {
  ProcessResult r;
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    r.err = fmt::format("cannot make a pipe: {}", std::strerror(errno));
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
      if (fd >= 0) close(fd);
    }
    return r;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (spawned != 0) {
    r.err = fmt::format("cannot run `{}`: {}", args[0], std::strerror(spawned));
    close(out_pipe[0]);
    close(err_pipe[0]);
    return r;
  }
  r.started = true;
  // Both pipes read as they fill: a child that writes much to one while we wait on the other never blocks.
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* into[2] = {&r.out, &r.err};
  const size_t limits[2] = {out_limit, size_t{1} << 16};
  int open_pipes = 2;
  char buffer[1 << 16];
  while (open_pipes > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t got = read(fds[i].fd, buffer, sizeof buffer);
      if (got > 0) {
        const size_t room = limits[i] > into[i]->size() ? limits[i] - into[i]->size() : 0;
        into[i]->append(buffer, std::min(room, static_cast<size_t>(got)));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(fds[i].fd);
        fds[i].fd = -1;  // poll ignores it from now on
        --open_pipes;
      }
    }
  }
  for (pollfd& p : fds) {
    if (p.fd >= 0) close(p.fd);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return r;
}

namespace {

// git's message without its trailing line end, or what went wrong running it.
std::string git_message(const ProcessResult& r) {
  std::string message = r.err;
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.pop_back();
  if (message.empty()) message = fmt::format("git exited with {}", r.exit_code);
  return message;
}

}  // namespace

std::optional<GitProgram> git_program(std::string_view spec, std::string& error) {
  std::string_view rest = spec.substr(4);  // after "git:"
  const size_t colon = rest.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size()) {
    error = "write a program from git as `git:REV:PATH`, as in `git:origin/main:program.rebate`";
    return std::nullopt;
  }
  GitProgram p;
  p.revision = std::string(rest.substr(0, colon));
  std::string path(rest.substr(colon + 1));
  // An argument that starts with `-` would be read by git as an option.
  if (p.revision[0] == '-') {
    error = fmt::format("`{}` is not a revision", p.revision);
    return std::nullopt;
  }
  if (path[0] == '/') {
    error = fmt::format("`{}`: a path in a revision is relative (to the top of the repository, or to the current directory with `./`)", path);
    return std::nullopt;
  }
  if (path == "." || path == ".." || path.rfind("./", 0) == 0 || path.rfind("../", 0) == 0) {
    ProcessResult prefix = run_process({"git", "rev-parse", "--show-prefix"}, 1 << 16);
    if (!prefix.started || prefix.exit_code != 0) {
      error = git_message(prefix);
      return std::nullopt;
    }
    while (!prefix.out.empty() && prefix.out.back() == '\n') prefix.out.pop_back();
    path = prefix.out + path;
  }
  p.path = fs::path(path).lexically_normal().string();
  if (p.path.empty() || p.path == "." || p.path.rfind("..", 0) == 0) {
    error = fmt::format("`{}` is outside the repository", std::string(rest.substr(colon + 1)));
    return std::nullopt;
  }
  p.name = p.revision + ":/" + p.path;
  // The compiler knows files by their normalised names: the revision must keep its spelling in one.
  if (fs::path(p.name).lexically_normal().string() != p.name) {
    error = fmt::format("`{}` is not a revision this command can name (write it without `.`, `..` or `//`)", p.revision);
    return std::nullopt;
  }
  return p;
}

std::optional<std::string> git_file(const std::string& revision, const std::string& path, std::string& error) {
  // `cat-file blob`: the file's bytes as committed (no text conversion), and an error for a directory.
  ProcessResult r = run_process({"git", "cat-file", "blob", revision + ":" + path}, kMaxSourceBytes + 1);
  if (!r.started || r.exit_code != 0) {
    error = git_message(r);
    return std::nullopt;
  }
  return std::move(r.out);
}

CompileOptions git_compile_options(const std::string& revision) {
  CompileOptions options;
  const std::string prefix = revision + ":/";
  options.overlay = [prefix, revision](const std::string& path) -> std::optional<std::string> {
    if (path.rfind(prefix, 0) != 0) return std::nullopt;
    std::string error;
    return git_file(revision, path.substr(prefix.size()), error);
  };
  options.disk = false;
  return options;
}

}  // namespace rebate::cli

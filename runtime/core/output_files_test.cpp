// OutputFiles: outputs never onto inputs or each other (by identity, not spelling), written beside their
// place and moved there only by commit(); safe_file_name: untrusted text as a file name.
#include "core/output_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace rebate {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "rebate-outputs-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

void put(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }
std::string get(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
size_t entries(const fs::path& dir) { return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator())); }

TEST_CASE("an output that is an input, by any spelling, is refused", "[core][outputs]") {
  TempDir d;
  put(d.file("sales.csv"), "ledger");
  fs::create_symlink(d.file("sales.csv"), d.file("link.csv"));
  fs::create_hard_link(d.file("sales.csv"), d.file("hard.csv"));
  fs::create_directory(d.file("sub"));
  OutputFiles files;
  files.add_input(d.file("sales.csv"), "the input `sales`");
  for (const std::string& spelling : {d.file("sales.csv"), d.file("link.csv"), d.file("hard.csv"), d.file("sub/../sales.csv")}) {
    std::optional<std::string> refused = files.add_output(spelling, "the payouts");
    REQUIRE(refused);
    CHECK(refused->find("the payouts") != std::string::npos);
    CHECK(refused->find("the input `sales`") != std::string::npos);
  }
  CHECK(get(d.file("sales.csv")) == "ledger");
  CHECK(entries(d.path) == 4);  // sales, link, hard, sub: no temporary made for a refused output
}

TEST_CASE("two outputs onto one file are refused, a file to be made included", "[core][outputs]") {
  TempDir d;
  fs::create_directory(d.file("sub"));
  OutputFiles files;
  REQUIRE_FALSE(files.add_output(d.file("out.csv"), "the payouts"));
  std::optional<std::string> refused = files.add_output(d.file("sub/../out.csv"), "the rejects");
  REQUIRE(refused);
  CHECK(refused->find("the rejects") != std::string::npos);
  CHECK(refused->find("the payouts") != std::string::npos);
  CHECK_FALSE(files.add_output(d.file("other.csv"), "the statements"));
}

TEST_CASE("outputs appear only on commit, with the umask's permissions; without it nothing is left", "[core][outputs]") {
  TempDir d;
  put(d.file("old.csv"), "yesterday");
  {
    OutputFiles files;
    REQUIRE_FALSE(files.add_output(d.file("old.csv"), "the payouts"));
    REQUIRE_FALSE(files.add_output(d.file("new.csv"), "the rejects"));
    put(files.write_path(d.file("old.csv")), "today");
    put(files.write_path(d.file("new.csv")), "rejected");
    CHECK(get(d.file("old.csv")) == "yesterday");
    CHECK_FALSE(fs::exists(d.file("new.csv")));
    // The destructor, without commit(): the temporaries go, the old file stays.
  }
  CHECK(get(d.file("old.csv")) == "yesterday");
  CHECK(entries(d.path) == 1);

  OutputFiles files;
  REQUIRE_FALSE(files.add_output(d.file("old.csv"), "the payouts"));
  REQUIRE_FALSE(files.add_output(d.file("unused.csv"), "the unknown partners"));
  put(files.write_path(d.file("old.csv")), "today");
  REQUIRE_FALSE(files.commit());
  CHECK(get(d.file("old.csv")) == "today");
  CHECK_FALSE(fs::exists(d.file("unused.csv")));  // never asked for: never made
  CHECK(entries(d.path) == 1);
  const mode_t mask = ::umask(0);
  ::umask(mask);
  struct stat st {};
  REQUIRE(::stat(d.file("old.csv").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == (0666 & ~mask));
}

TEST_CASE("a directory, a missing directory and a stream as outputs", "[core][outputs]") {
  TempDir d;
  OutputFiles files;
  std::optional<std::string> refused = files.add_output(d.path.string(), "the payouts");
  REQUIRE(refused);
  CHECK(refused->find("is a directory") != std::string::npos);
  refused = files.add_output(d.file("missing/x.csv"), "the payouts");
  REQUIRE(refused);
  CHECK(refused->find("No such file or directory") != std::string::npos);
  // A named pipe exists and is not a regular file: written as it is, never renamed over.
  REQUIRE(::mkfifo(d.file("pipe").c_str(), 0600) == 0);
  REQUIRE_FALSE(files.add_output(d.file("pipe"), "the payouts"));
  CHECK(files.write_path(d.file("pipe")) == d.file("pipe"));
  REQUIRE_FALSE(files.commit());
  struct stat st {};
  REQUIRE(::stat(d.file("pipe").c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
}

TEST_CASE("a rewritten file keeps its permissions, and a link to it stays a link", "[core][outputs]") {
  TempDir d;
  const std::string real = d.file("program.rebate");
  const std::string link = d.file("link.rebate");
  put(real, "old");
  REQUIRE(::chmod(real.c_str(), 0640) == 0);
  REQUIRE(::symlink("program.rebate", link.c_str()) == 0);
  {
    OutputFiles out;
    REQUIRE_FALSE(out.add_rewrite(link, "the formatted program"));
    put(out.write_path(link), "new");
    CHECK(get(real) == "old");  // nothing before commit()
    REQUIRE_FALSE(out.commit());
  }
  CHECK(get(real) == "new");
  CHECK(fs::is_symlink(link));
  struct stat st {};
  REQUIRE(::stat(real.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
  CHECK(entries(d.path) == 2);  // no temporary left
  // Not there, or not a file: refused, naming it.
  OutputFiles out;
  CHECK(out.add_rewrite(d.file("missing.rebate"), "the formatted program")->find("missing.rebate") != std::string::npos);
  CHECK(out.add_rewrite(d.path.string(), "the formatted program").has_value());
}

TEST_CASE("safe_file_name keeps plain ids and encodes everything else, injectively", "[core][outputs]") {
  CHECK(safe_file_name("P1") == "P1");
  CHECK(safe_file_name("acme-gmbh_2.v1") == "acme-gmbh_2.v1");
  CHECK(safe_file_name("../../escaped") == "%2E.%2F..%2Fescaped");
  CHECK(safe_file_name("/tmp/x") == "%2Ftmp%2Fx");
  CHECK(safe_file_name(".") == "%2E");
  CHECK(safe_file_name("..") == "%2E.");
  CHECK(safe_file_name("a b%") == "a%20b%25");
  CHECK(safe_file_name("Müller") == "M%C3%BCller");
  CHECK(safe_file_name("") == "%");
  // Different ids, different names (a `%` in an id is encoded, so no id imitates an encoding).
  std::set<std::string> names;
  for (const char* id : {"a/b", "a%2Fb", "a%252Fb", "", "%", ".a", "%2Ea"}) names.insert(safe_file_name(id));
  CHECK(names.size() == 7);
  // A long id: at most 200 bytes, ending in `%~` and a hash; never a `%XX` cut in two.
  const std::string long_id(300, '/');
  const std::string name = safe_file_name(long_id);
  CHECK(name.size() <= 200);
  CHECK(name.find("%~") != std::string::npos);
  const std::string head = name.substr(0, name.find("%~"));
  CHECK(head.size() % 3 == 0);
  CHECK(safe_file_name(long_id + "x") != name);
  for (const std::string& n : {name, safe_file_name(std::string(250, 'a'))}) {
    CHECK(n.find('/') == std::string::npos);
    CHECK(n.size() <= 200);
  }
}

}  // namespace
}  // namespace rebate

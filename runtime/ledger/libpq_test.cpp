// libpq loaded when it is first needed (libpq.h): a library that is not there, or that is not libpq, is
// an error saying what to install, never a crash; the real one gives every function.
#include <catch2/catch.hpp>

#include <string>

#include "ledger/libpq.h"

using rebate::ledger::Libpq;

TEST_CASE("libpq: a library that cannot be loaded is an error naming the package", "[ledger][postgres]") {
  std::string error;
  CHECK(rebate::ledger::load_libpq("librebate-no-such-library.so.5", error) == nullptr);
  CHECK(error.find("reading from PostgreSQL needs libpq, which cannot be loaded") != std::string::npos);
  CHECK(error.find("librebate-no-such-library.so.5") != std::string::npos);  // dlerror's words name it
  CHECK(error.find("libpq5") != std::string::npos);
}

TEST_CASE("libpq: a library without libpq's functions is an error naming the first missing one", "[ledger][postgres]") {
  std::string error;
  CHECK(rebate::ledger::load_libpq("libz.so.1", error) == nullptr);  // loaded (the binary links zlib), but no PQconnectdb
  CHECK(error == "reading from PostgreSQL needs libpq, and `libz.so.1` has no function PQconnectdb: a libpq too old");
}

TEST_CASE("libpq: the installed library is loaded once, with every function", "[ledger][postgres]") {
  std::string error;
  const Libpq* pq = rebate::ledger::libpq(error);
  REQUIRE(pq != nullptr);
  CHECK(error.empty());
  CHECK(rebate::ledger::libpq(error) == pq);
#define REBATE_CHECK_FOUND(name) CHECK(pq->name != nullptr);
  REBATE_LIBPQ_FUNCTIONS(REBATE_CHECK_FOUND)
#undef REBATE_CHECK_FOUND
  // A call through the table: libpq's own answer for a connection string it cannot parse.
  PGconn* c = pq->PQconnectdb("this is not a connection string");
  REQUIRE(c != nullptr);
  CHECK(pq->PQstatus(c) == CONNECTION_BAD);
  CHECK(std::string(pq->PQerrorMessage(c)).find("missing \"=\"") != std::string::npos);
  pq->PQfinish(c);
}

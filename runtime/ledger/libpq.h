// libpq, loaded when a run first reads from PostgreSQL rather than linked into the binary. Linked, it
// and the libraries it needs (Kerberos, LDAP, GnuTLS, OpenSSL, SASL: about twenty) were loaded and
// relocated at the start of every `rebate` process, `rebate check` and the language server included:
// half of a start-up's time (12 of 26 ms on the benchmark's machine), for a feature few runs use.
#pragma once

#include <libpq-fe.h>

#include <string>

namespace rebate::ledger {

// The libpq functions postgres_source.cpp calls, by their own names.
#define REBATE_LIBPQ_FUNCTIONS(X)                                                                                       \
  X(PQconnectdb) X(PQstatus) X(PQerrorMessage) X(PQfinish) X(PQexec) X(PQexecParams) X(PQprepare) X(PQdescribePrepared) \
  X(PQresultStatus) X(PQresultErrorField) X(PQresultErrorMessage) X(PQclear) X(PQnfields) X(PQfname) X(PQftype)        \
  X(PQntuples) X(PQgetvalue) X(PQescapeIdentifier) X(PQfreemem) X(PQgetCopyData) X(PQgetResult)

struct Libpq {
#define REBATE_LIBPQ_MEMBER(name) decltype(&::name) name = nullptr;
  REBATE_LIBPQ_FUNCTIONS(REBATE_LIBPQ_MEMBER)
#undef REBATE_LIBPQ_MEMBER
};

// The shared library `soname` loaded and its functions found; nullptr, with `error` saying why, when it
// cannot be loaded or lacks one of them. Never unloaded.
const Libpq* load_libpq(const char* soname, std::string& error);

// libpq's (soname libpq.so.5, its ABI since PostgreSQL 8.2), loaded once; nullptr with `error` set when
// it cannot be.
const Libpq* libpq(std::string& error);

}  // namespace rebate::ledger

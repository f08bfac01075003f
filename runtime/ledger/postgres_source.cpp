// A ledger or table read from PostgreSQL (`postgresql://user@host/db?table=erp.invoice_lines`, or
// `?query=SELECT ...`) through libpq. The rows are copied out as CSV with a header
// (`COPY (...) TO STDOUT WITH (FORMAT csv, HEADER)`) and read by the same streaming reader as a pipe, so
// a cell is typed exactly as a CSV file's is, with the same errors; those name the table, the row (its
// number in the result and, for a table with a primary key, the key) and the column. Credentials never
// reach a message: the password of the URI (or of PGPASSWORD) is masked wherever it would appear.
#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "ledger/input_sources.h"
#include "ledger/libpq.h"

namespace rebate::ledger::csv {

namespace {

// libpq (ledger/libpq.h), which read_postgres has loaded before anything here calls it.
const Libpq& pq() {
  std::string unused;
  return *libpq(unused);
}

// What the URI asks for, and how to connect.
struct Target {
  std::string conninfo;  // the URI without `table` and `query`: libpq's own parameters only
  std::string shown;     // the URI without them and with the password masked, for messages
  std::string table;     // `table=`: a table or view, `schema.name`
  std::string query;     // `query=`: a SELECT
  std::vector<std::string> secrets;  // passwords to mask in any message
  std::string error;
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoded (as in any URI); false on a broken escape.
bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size() || hex_value(in[i + 1]) < 0 || hex_value(in[i + 2]) < 0) return false;
    out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
    i += 2;
  }
  return true;
}

Target parse_uri(const std::string& uri) {
  Target t;
  const size_t q = uri.find('?');
  std::string base = uri.substr(0, q);
  // user:password@ in the authority: the password masked in what is shown.
  std::string shown_base = base;
  const size_t scheme_end = base.find("://") + 3;
  const size_t authority_end = std::min(base.find('/', scheme_end), base.size());
  const size_t at = base.rfind('@', authority_end);
  if (at != std::string::npos && at >= scheme_end) {
    const size_t colon = base.find(':', scheme_end);
    if (colon != std::string::npos && colon < at) {
      std::string password;
      if (percent_decode(std::string_view(base).substr(colon + 1, at - colon - 1), password) && !password.empty()) t.secrets.push_back(password);
      t.secrets.push_back(base.substr(colon + 1, at - colon - 1));
      shown_base = base.substr(0, colon + 1) + "***" + base.substr(at);
    }
  }
  std::vector<std::string> kept, kept_shown;
  if (q != std::string::npos) {
    std::string_view params = std::string_view(uri).substr(q + 1);
    while (!params.empty()) {
      // `query=` takes the rest of the URI, `&`s and all: an SQL query has them.
      if (params.substr(0, 6) == "query=") {
        if (!percent_decode(params.substr(6), t.query)) t.error = "the `query=` parameter has a broken %-escape (write `%25` for `%`)";
        break;
      }
      const size_t amp = params.find('&');
      const std::string_view param = params.substr(0, amp);
      params = amp == std::string_view::npos ? std::string_view() : params.substr(amp + 1);
      if (param.substr(0, 6) == "table=") {
        if (!percent_decode(param.substr(6), t.table)) t.error = "the `table=` parameter has a broken %-escape";
      } else if (!param.empty()) {
        kept.emplace_back(param);
        if (param.substr(0, 9) == "password=") {
          std::string password;
          if (percent_decode(param.substr(9), password) && !password.empty()) t.secrets.push_back(password);
          t.secrets.emplace_back(param.substr(9));
          kept_shown.emplace_back("password=***");
        } else {
          kept_shown.emplace_back(param);
        }
      }
    }
  }
  if (const char* env = std::getenv("PGPASSWORD"); env && *env) t.secrets.emplace_back(env);
  auto join = [](const std::string& b, const std::vector<std::string>& ps) {
    std::string out = b;
    for (size_t i = 0; i < ps.size(); ++i) out += (i ? "&" : "?") + ps[i];
    return out;
  };
  t.conninfo = join(base, kept);
  t.shown = join(shown_base, kept_shown);
  if (t.error.empty() && t.table.empty() == t.query.empty()) {
    t.error = "a PostgreSQL input names a table or a query: add `?table=SCHEMA.TABLE` or `?query=SELECT ...` (one of them)";
  }
  return t;
}

// `text` with every secret replaced by `***`.
std::string masked(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& s : secrets) {
    if (s.empty()) continue;
    for (size_t at = text.find(s); at != std::string::npos; at = text.find(s, at + 3)) text.replace(at, s.size(), "***");
  }
  return text;
}

// libpq's message, on one line: "ERROR:  relation ... does not exist" and its detail.
std::string server_message(const char* message) {
  std::string m = message ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  for (char& c : m) c = c == '\n' ? ' ' : c;
  return m;
}

// A failed statement's message from its fields: the server's words without the LINE/caret excerpt of
// the statement (which is ours, not the user's), with its detail and hint.
std::string result_message(const PGresult* r, PGconn* c) {
  if (!r) return server_message(pq().PQerrorMessage(c));
  const char* primary = pq().PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
  if (!primary) return server_message(pq().PQresultErrorMessage(r));
  std::string m = primary;
  if (const char* detail = pq().PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL)) m += fmt::format(" ({})", server_message(detail));
  if (const char* hint = pq().PQresultErrorField(r, PG_DIAG_MESSAGE_HINT)) m += fmt::format("; {}", server_message(hint));
  return m;
}

struct ConnectionCloser {
  void operator()(PGconn* c) const { pq().PQfinish(c); }
};
struct ResultCloser {
  void operator()(PGresult* r) const { pq().PQclear(r); }
};
using Connection = std::unique_ptr<PGconn, ConnectionCloser>;
using Result = std::unique_ptr<PGresult, ResultCloser>;

// A schema-qualified name (`erp.invoice_lines`), each part quoted as an identifier (its case kept).
std::string quoted_name(PGconn* c, const std::string& name) {
  std::string out;
  size_t from = 0;
  for (;;) {
    const size_t dot = name.find('.', from);
    const std::string part = name.substr(from, dot == std::string::npos ? std::string::npos : dot - from);
    char* q = pq().PQescapeIdentifier(c, part.data(), part.size());
    if (!q) throw std::bad_alloc();
    out += q;
    pq().PQfreemem(q);
    if (dot == std::string::npos) return out;
    out += '.';
    from = dot + 1;
  }
}

// The COPY's rows as a byte stream: one CSV line (or a row's part) per PQgetCopyData.
class CopyStream : public ByteStream {
 public:
  CopyStream(PGconn* c, const Target& t) : c_(c), target_(t) {}
  ~CopyStream() override {
    if (row_) pq().PQfreemem(row_);
  }
  ssize_t read(char* into, size_t n) override {
    size_t done = 0;
    while (done < n) {
      if (at_ == size_) {
        if (ended_ || done > 0) break;  // what is there first; the next read waits for more
        if (row_) pq().PQfreemem(row_);
        row_ = nullptr;
        at_ = size_ = 0;
        const int got = pq().PQgetCopyData(c_, &row_, 0);
        if (got == -1) {  // the end of the copy: did the query end well?
          ended_ = true;
          Result r(pq().PQgetResult(c_));
          if (!r || pq().PQresultStatus(r.get()) != PGRES_COMMAND_OK) return fail(result_message(r.get(), c_));
          break;
        }
        if (got < 0) return fail(server_message(pq().PQerrorMessage(c_)));
        size_ = static_cast<size_t>(got);
        continue;
      }
      const size_t k = std::min(n - done, size_ - at_);
      std::memcpy(into + done, row_ + at_, k);
      at_ += k;
      done += k;
    }
    return static_cast<ssize_t>(done);
  }

 private:
  ssize_t fail(const std::string& message) {
    error_ = masked(fmt::format("the query failed while its rows were read: {}", message), target_.secrets);
    return -1;
  }
  PGconn* c_;
  const Target& target_;
  char* row_ = nullptr;
  size_t size_ = 0;
  size_t at_ = 0;
  bool ended_ = false;
};

}  // namespace

ReadResult read_postgres(const std::string& uri, const TableSpec& spec, const ReadOptions& options, const Destination& to) {
  const Target t = parse_uri(uri);
  ReadResult failed;
  failed.table.name = spec.name;
  auto fail = [&](const std::string& where, const std::string& message) {
    failed.errors.push_back(InputError{where, 0, 0, {}, masked(message, t.secrets)});
    failed.io_failed = true;  // a connection, a credential, a table or a query that is not there: exit 2
    return failed;
  };
  if (!t.error.empty()) return fail(t.shown, t.error);
  if (std::string unloadable; !libpq(unloadable)) return fail(t.shown, unloadable);
  Connection c(pq().PQconnectdb(t.conninfo.c_str()));
  if (!c) throw std::bad_alloc();
  if (pq().PQstatus(c.get()) != CONNECTION_OK) return fail(t.shown, fmt::format("cannot connect: {}", server_message(pq().PQerrorMessage(c.get()))));
  // The session's settings that decide how values are written out: dates as the reader reads them
  // (YYYY-MM-DD), text in UTF-8; and a table's rows in the same order on every run (a synchronized scan
  // starts where another scan of the table is), so that its first bad row is the same.
  Result set(pq().PQexec(c.get(), "SET DateStyle = 'ISO, YMD'; SET client_encoding = 'UTF8'; SET synchronize_seqscans = off"));
  if (pq().PQresultStatus(set.get()) != PGRES_COMMAND_OK) return fail(t.shown, result_message(set.get(), c.get()));
  const std::string name = t.table.empty() ? "query" : t.table;
  const std::string source = t.table.empty() ? t.query : "SELECT * FROM " + quoted_name(c.get(), t.table);
  // The result's columns, without running it: a boolean is written `t`/`f` by COPY, which is no CSV
  // boolean; as text it is `true`/`false`, which is. Every other type is copied out as PostgreSQL writes it.
  Result prepared(pq().PQprepare(c.get(), "", source.c_str(), 0, nullptr));
  if (pq().PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) return fail(name, result_message(prepared.get(), c.get()));
  Result described(pq().PQdescribePrepared(c.get(), ""));
  if (pq().PQresultStatus(described.get()) != PGRES_COMMAND_OK) return fail(name, result_message(described.get(), c.get()));
  constexpr Oid kBoolOid = 16;
  std::string columns;
  for (int i = 0; i < pq().PQnfields(described.get()); ++i) {
    const char* field = pq().PQfname(described.get(), i);
    char* id = pq().PQescapeIdentifier(c.get(), field, std::strlen(field));
    if (!id) throw std::bad_alloc();
    const std::string ident = id;
    pq().PQfreemem(id);
    columns += fmt::format("{}{}", i ? ", " : "", pq().PQftype(described.get(), i) == kBoolOid ? fmt::format("{}::text AS {}", ident, ident) : ident);
  }
  ReadOptions o = options;
  o.number_rows = true;
  if (!t.table.empty()) {  // the primary key names a bad row
    const std::string regclass = quoted_name(c.get(), t.table);
    const char* values[] = {regclass.c_str()};
    Result key(pq().PQexecParams(c.get(),
                            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = "
                            "ANY(i.indkey) WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY "
                            "array_position(i.indkey::int2[], a.attnum)",
                            1, nullptr, values, nullptr, nullptr, 0));
    if (pq().PQresultStatus(key.get()) == PGRES_TUPLES_OK) {
      for (int r = 0; r < pq().PQntuples(key.get()); ++r) o.key_headers.emplace_back(pq().PQgetvalue(key.get(), r, 0));
    }
  }
  const std::string copy = fmt::format("COPY (SELECT {} FROM ({}) AS rebate_source) TO STDOUT WITH (FORMAT csv, HEADER true)",
                                       columns.empty() ? "*" : columns, source);
  Result started(pq().PQexec(c.get(), copy.c_str()));
  if (pq().PQresultStatus(started.get()) != PGRES_COPY_OUT) return fail(name, result_message(started.get(), c.get()));
  CopyStream rows(c.get(), t);
  return read_stream(rows, name, spec, o, to);
}

}  // namespace rebate::ledger::csv

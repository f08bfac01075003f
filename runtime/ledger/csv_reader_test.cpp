// The CSV reader: RFC 4180 structure, header matching, line and column positions, error limits and
// the rejects file.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "core/calendar.h"
#include "ledger/csv_test_support.h"
#include "ledger/ledger.h"

using namespace rebate;
using namespace rebate::ledger;
using namespace rebate::ledger::csv_test;

namespace {

std::string cell(const ReadResult& r, const char* column, size_t row, const StringPool& pool) {
  const Column* c = r.table.column(column);
  REQUIRE(c != nullptr);
  return format_cell(*c, row, pool);
}

std::string temp_path(const char* name) {
  return "/tmp/rebate_ledger_test_" + std::to_string(::getpid()) + "_" + name;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("a well-formed ledger is read into typed columns", "[ledger][csv]") {
  StringPool pool;
  auto r = read("date,partner,amount,qty\n"
                "2026-07-01,P1,1049.35,3\n"
                "2026-07-02,P2,-0.50,-1\n",
                sales_spec(), pool);
  REQUIRE(errors_of(r).empty());
  REQUIRE(r.table.row_count() == 2);
  CHECK(r.rows_read == 2);
  CHECK(r.table.column("date")->values == std::vector<int64_t>{days_from_civil({2026, 7, 1}), days_from_civil({2026, 7, 2})});
  CHECK(r.table.column("amount")->values == std::vector<int64_t>{10493500, -5000});
  CHECK(r.table.column("qty")->values == std::vector<int64_t>{3, -1});
  CHECK(pool.text(static_cast<uint32_t>(r.table.column("partner")->values[0])) == "P1");
  CHECK(pool.text(static_cast<uint32_t>(r.table.column("partner")->values[1])) == "P2");
  CHECK(r.table.lines == std::vector<uint64_t>{2, 3});
  CHECK(r.table.column("amount")->present.empty());
  CHECK(cell(r, "amount", 0, pool) == "1049.3500");
}

TEST_CASE("RFC 4180 quoting: commas, doubled quotes and newlines inside quotes", "[ledger][csv]") {
  StringPool pool;
  TableSpec spec{"t", {col("name", ColumnKind::Text), col("n", ColumnKind::Int)}};
  auto r = read("name,n\n"
                "\"Acme, Inc.\",1\n"
                "\"12\"\" screen\",2\n"
                "\"two\nlines\",3\n"
                "\"\"\"\",4\n"
                "plain,5\n",
                spec, pool);
  REQUIRE(errors_of(r).empty());
  REQUIRE(r.table.row_count() == 5);
  CHECK(cell(r, "name", 0, pool) == "Acme, Inc.");
  CHECK(cell(r, "name", 1, pool) == "12\" screen");
  CHECK(cell(r, "name", 2, pool) == "two\nlines");
  CHECK(cell(r, "name", 3, pool) == "\"");
  CHECK(cell(r, "name", 4, pool) == "plain");
  // The row after the quoted newline starts on line 6, not 5.
  CHECK(r.table.lines == std::vector<uint64_t>{2, 3, 4, 6, 7});
}

TEST_CASE("doubled quotes in several cells of one row are kept apart", "[ledger][csv]") {
  StringPool pool;
  TableSpec spec{"t", {col("a", ColumnKind::Text), col("b", ColumnKind::Text)}};
  auto r = read("a,b\n\"x\"\"1\",\"y\"\"2\"\n", spec, pool);
  REQUIRE(errors_of(r).empty());
  CHECK(cell(r, "a", 0, pool) == "x\"1");
  CHECK(cell(r, "b", 0, pool) == "y\"2");
}

TEST_CASE("line endings, BOM, final line and trailing blank lines", "[ledger][csv]") {
  TableSpec spec{"t", {col("a", ColumnKind::Int), col("b", ColumnKind::Text)}};
  struct Case {
    const char* name;
    std::string text;
    std::vector<uint64_t> lines;
  };
  const Case cases[] = {
      {"LF", "a,b\n1,x\n2,y\n", {2, 3}},
      {"CRLF", "a,b\r\n1,x\r\n2,y\r\n", {2, 3}},
      {"mixed", "a,b\r\n1,x\n2,y\r\n", {2, 3}},
      {"BOM", "\xEF\xBB\xBF" "a,b\n1,x\n2,y\n", {2, 3}},
      {"no final newline", "a,b\n1,x\n2,y", {2, 3}},
      {"no final newline, CR", "a,b\r\n1,x\r\n2,y\r", {2, 3}},
      {"trailing blank lines", "a,b\n1,x\n2,y\n\n\r\n\n", {2, 3}},
      {"quoted last cell, no newline", "a,b\n1,x\n2,\"y\"", {2, 3}},
      {"quoted newline CRLF", "a,b\r\n1,\"x\r\n\"\r\n2,y\r\n", {2, 4}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    StringPool pool;
    auto r = read(c.text, spec, pool);
    REQUIRE(errors_of(r).empty());
    CHECK(r.table.lines == c.lines);
    CHECK(r.table.column("a")->values == std::vector<int64_t>{1, 2});
    CHECK(cell(r, "b", 1, pool) == "y");
  }
  StringPool pool;
  auto crlf = read("a,b\r\n1,\"x\r\n\"\r\n", spec, pool);
  CHECK(cell(crlf, "b", 0, pool) == "x\r\n");  // inside quotes, a line end is data, kept as written
}

TEST_CASE("empty file and header-only file", "[ledger][csv]") {
  StringPool pool;
  // An empty file is an empty ledger (no lines), with a note; so is a file holding only a BOM.
  auto empty = read("", sales_spec(), pool);
  CHECK(empty.ok());
  CHECK(empty.table.row_count() == 0);
  REQUIRE(empty.notes.size() == 1);
  CHECK(empty.notes[0].message == "the file is empty: read as a ledger with no lines");
  auto bom_only = read("\xEF\xBB\xBF", sales_spec(), pool);
  CHECK(bom_only.ok());
  auto blank_first = read("\ndate,partner,amount,qty\n", sales_spec(), pool);
  CHECK(errors_of(blank_first) == std::vector<std::string>{"sales.csv:1:1: no header: the first line is empty; "
                                                           "expected a header line naming the columns"});
  for (const char* text : {"date,partner,amount,qty", "date,partner,amount,qty\n", "date,partner,amount,qty\r\n\n"}) {
    auto r = read(text, sales_spec(), pool);
    CHECK(r.ok());
    CHECK(r.table.row_count() == 0);
    CHECK(r.table.columns.size() == 4);
  }
}

TEST_CASE("header matching: by name, any order, extra columns ignored", "[ledger][csv][header]") {
  StringPool pool;
  TableSpec spec{"sales",
                 {col("amount", ColumnKind::Money, 2, false, "Net Amount"), col("partner", ColumnKind::Text)}};
  auto r = read("Region,partner,Notes,Net Amount\nemea,P1,\"long, quoted \"\"note\"\"\",12.50\n", spec, pool);
  REQUIRE(errors_of(r).empty());
  CHECK(r.notes.empty());
  CHECK(r.table.column("amount")->values == std::vector<int64_t>{1250});
  CHECK(cell(r, "partner", 0, pool) == "P1");
}

TEST_CASE("header matching ignores case and surrounding spaces, with a note", "[ledger][csv][header]") {
  StringPool pool;
  TableSpec spec{"sales", {col("amount", ColumnKind::Money, 2, false, "Net Amount")}};
  auto r = read("x, net amount \n1,2\n", spec, pool);
  REQUIRE(errors_of(r).empty());
  REQUIRE(r.notes.size() == 1);
  CHECK(r.notes[0].to_string() ==
        "sales.csv:1:3: column `amount`: read from the header ` net amount `, which matches `Net Amount` only when "
        "case and surrounding spaces are ignored");
  CHECK(r.table.column("amount")->values == std::vector<int64_t>{200});
}

TEST_CASE("missing columns are reported together, with the headers found", "[ledger][csv][header]") {
  StringPool pool;
  TableSpec spec{"sales",
                 {col("date", ColumnKind::Date), col("amount", ColumnKind::Money, 2, false, "Net Amount"),
                  col("partner", ColumnKind::Text), col("qty", ColumnKind::Int)}};
  auto r = read("date,Partner ID,quantity\n2026-07-01,P1,3\n", spec, pool);
  CHECK(errors_of(r) == std::vector<std::string>{
                            "sales.csv:1:1: missing columns `Net Amount` (column `amount`), `partner`, `qty`; the header "
                            "has `date`, `Partner ID`, `quantity`"});
  CHECK(r.table.row_count() == 0);
}

TEST_CASE("duplicate and ambiguous headers are errors", "[ledger][csv][header]") {
  StringPool pool;
  TableSpec spec{"sales", {col("amount", ColumnKind::Int)}};
  CHECK(errors_of(read("amount,x,amount\n1,2,3\n", spec, pool)) ==
        std::vector<std::string>{"sales.csv:1:10: the header `amount` appears twice, in CSV columns 1 and 3"});
  CHECK(errors_of(read("x,x\n1,2\n", TableSpec{"t", {col("y", ColumnKind::Int, 0, false, "x")}}, pool)) ==
        std::vector<std::string>{"sales.csv:1:3: the header `x` appears twice, in CSV columns 1 and 2"});
  CHECK(errors_of(read("Amount,AMOUNT\n1,2\n", spec, pool)) ==
        std::vector<std::string>{"sales.csv:1:8: column `amount`: the header `amount` matches several CSV columns "
                                 "when case and spaces are ignored: `Amount`, `AMOUNT`"});
  // Two empty headers (trailing commas in an export) are not duplicates worth failing for.
  CHECK(read("amount,,\n1,,\n", spec, pool).ok());
}

TEST_CASE("errors point at the file, line, column and column name", "[ledger][csv][errors]") {
  StringPool pool;
  ReadOptions all;
  all.max_errors = 0;
  auto r = read("date,partner,amount,qty\n"
                "2026-07-01,P1,\"1,049.35\",3\n"
                "2026-07-01,\"multi\nline\",12.3.4,x\n"
                "07/01/2026,P2,1,2\n",
                sales_spec(), pool, all);
  CHECK(errors_of(r) ==
        std::vector<std::string>{
            "sales.csv:2:15: column `amount`: `1,049.35` is not an amount; expected an amount like 1049.35 (in USD) "
            "(write numbers without thousands separators and with `.` as the decimal point)",
            "sales.csv:4:7: column `amount`: `12.3.4` is not an amount; expected an amount like 1049.35 (in USD)",
            "sales.csv:4:14: column `qty`: `x` is not a whole number; expected a whole number like -12",
            "sales.csv:5:1: column `date`: `07/01/2026` is not a date in the form YYYY-MM-DD; write it like "
            "2026-07-01 (day/month orders are ambiguous)"});
  CHECK_FALSE(r.ok());
  CHECK(r.table.row_count() == 0);  // a failed read keeps no rows
  CHECK(r.rows_read == 3);
}

TEST_CASE("columns count characters, not bytes", "[ledger][csv][errors]") {
  StringPool pool;
  TableSpec spec{"t", {col("name", ColumnKind::Text), col("n", ColumnKind::Int)}};
  auto r = read("name,n\nZürich €,x\n", spec, pool);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].line == 2);
  CHECK(r.errors[0].column == 10);
  CHECK(r.errors[0].column_name == "n");
}

TEST_CASE("invalid UTF-8 in a cell is an error with its position", "[ledger][csv][errors]") {
  StringPool pool;
  TableSpec spec{"t", {col("name", ColumnKind::Text), col("n", ColumnKind::Int)}};
  CHECK(errors_of(read("name,n\nok,1\nCaf\xE9,2\n", spec, pool)) ==
        std::vector<std::string>{"sales.csv:3:1: column `name`: invalid UTF-8 (byte 0xE9) at character 4 of the "
                                 "cell; the file must be UTF-8 encoded"});
  // In a quoted cell the characters count from the cell's text, after the quote: a, line feed, C, a, f, then the byte.
  CHECK(errors_of(read("name,n\n\"a\nCaf\xE9\",2\n", spec, pool)) ==
        std::vector<std::string>{"sales.csv:2:1: column `name`: invalid UTF-8 (byte 0xE9) at character 6 of the "
                                 "cell; the file must be UTF-8 encoded"});
  CHECK(errors_of(read("name,n\n\"\xFF\",2\n", spec, pool)) ==
        std::vector<std::string>{"sales.csv:2:1: column `name`: invalid UTF-8 (byte 0xFF) at character 1 of the "
                                 "cell; the file must be UTF-8 encoded"});
  // Columns that are not read are not checked.
  CHECK(read("name,n,other\nx,2,Caf\xE9\n", spec, pool).ok());
}

TEST_CASE("malformed rows: cell counts, quotes, blank lines", "[ledger][csv][errors]") {
  TableSpec spec{"t", {col("a", ColumnKind::Text), col("b", ColumnKind::Int)}};
  struct Case {
    const char* name;
    std::string text;
    std::string error;
  };
  const Case cases[] = {
      {"too few cells", "a,b,c\nx,1\n", "sales.csv:2:4: column `c`: the row has 2 cells; the header has 3 (missing `c`)"},
      {"too many cells", "a,b\nx,1,2,3\n", "sales.csv:2:5: the row has 4 cells; the header has 2"},
      {"quote in an unquoted cell", "a,b\nx\"y,1\n",
       "sales.csv:2:1: column `a`: a `\"` inside an unquoted cell; quote the whole cell and double the quote, like "
       "\"12\"\" screen\""},
      {"text after a closing quote", "a,b\n\"x\"y,1\n",
       "sales.csv:2:1: column `a`: text after the closing quote of a quoted cell; quote the whole cell"},
      {"unclosed quote", "a,b\nx,1\n\"y,2\nz,3\n",
       "sales.csv:3:1: column `a`: this quoted cell is never closed: the file ends inside it (a `\"` is missing)"},
      {"blank line in the middle", "a,b\nx,1\n\ny,2\n",
       "sales.csv:3:1: an empty line; expected 2 cells (blank lines are allowed only at the end of the file)"},
      {"lone carriage return", "a,b\nx\ry,1\n",
       "sales.csv:2:1: column `a`: a carriage return inside an unquoted cell; quote the cell or end the line with a "
       "line feed"},
      {"empty required cell", "a,b\nx,\n",
       "sales.csv:2:3: column `b`: the cell is empty; expected a whole number like -12 (declare the column optional "
       "with `?` if it may be empty)"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    StringPool pool;
    auto r = read(c.text, spec, pool);
    CHECK(errors_of(r) == std::vector<std::string>{c.error});
  }
}

// A row with a quote is read by the general path; the same row without it by the fast path (when it is
// well formed). The two must agree on every value, line and error, wherever the commas and line ends
// fall in the fast path's 16-byte blocks and wherever the buffer ends.
TEST_CASE("the fast path reads rows as the general path does", "[ledger][csv]") {
  auto rows = [](size_t pad, const char* eol, bool final_eol, bool quoted) {
    // Quoting the last cell sends a row to the general path and moves no earlier cell.
    auto row = [&](std::string cells, std::string last) {
      return cells + (quoted ? "\"" + last + "\"" : last) + eol;
    };
    const std::string x(pad, 'x');
    std::string text = std::string("date,partner,amount,qty") + eol;
    text += row("2026-07-01,P" + x + ",1049.35,", "3");
    text += row("2026-07-02,P" + x + "y,-0.5,", "-1");
    text += row("2026-02-30,P,1.23456,", "2");            // two bad cells
    text += row(" 2026-07-03 ,P" + x + ", 7.5 ,", "4");  // spaces: trimmed by the general parser
    text += row("2026-07-04,P,1,2,", "3");                // too many cells
    text += row("2026-07-05,P,", "1");                    // too few
    text += row("2026-07-06,,USD 2.25,", "0");            // an empty text cell; a currency code
    text += row("2026-07-07,P" + x + ",12345678901234.5678,", "-9223372036854775807");
    text += row("2026-07-08," + x + ",1,", "5");
    if (!final_eol) text.resize(text.size() - std::strlen(eol));
    return text;
  };
  for (size_t pad = 0; pad <= 40; ++pad)
    for (const char* eol : {"\n", "\r\n"})
      for (bool final_eol : {true, false}) {
        INFO("pad " << pad << (eol[0] == '\r' ? " CRLF" : " LF") << (final_eol ? "" : ", no final line end"));
        StringPool pool;
        ReadOptions options;
        options.reject_bad_rows = true;
        auto fast = read(rows(pad, eol, final_eol, false), sales_spec(), pool, options);
        auto general = read(rows(pad, eol, final_eol, true), sales_spec(), pool, options);
        REQUIRE(errors_of(fast).empty());
        REQUIRE(errors_of(general).empty());
        CHECK(fast.rows_read == 9);
        CHECK(fast.rows_read == general.rows_read);
        CHECK(fast.rows_rejected == general.rows_rejected);
        REQUIRE(fast.rejected.size() == general.rejected.size());
        for (size_t i = 0; i < fast.rejected.size(); ++i) {
          CHECK(fast.rejected[i].line == general.rejected[i].line);
          CHECK(fast.rejected[i].message == general.rejected[i].message);
        }
        CHECK(fast.table.lines == general.table.lines);
        REQUIRE(fast.table.columns.size() == general.table.columns.size());
        for (size_t j = 0; j < fast.table.columns.size(); ++j) {
          CHECK(fast.table.columns[j].values == general.table.columns[j].values);
          CHECK(fast.table.columns[j].present == general.table.columns[j].present);
        }
      }
}

TEST_CASE("optional columns record presence", "[ledger][csv]") {
  StringPool pool;
  TableSpec spec{"t", {col("discount", ColumnKind::Money, 2, true), col("note", ColumnKind::Text, 0, true),
                       col("n", ColumnKind::Int)}};
  auto r = read("discount,note,n\n1.5,x,1\n,,2\n\"\",\"\",3\n", spec, pool);
  REQUIRE(errors_of(r).empty());
  CHECK(r.table.column("discount")->values == std::vector<int64_t>{150, 0, 0});
  CHECK(r.table.column("discount")->present == std::vector<uint8_t>{1, 0, 0});
  CHECK(r.table.column("note")->present == std::vector<uint8_t>{1, 0, 0});
  CHECK(r.table.column("n")->present.empty());
  CHECK_FALSE(r.table.column("discount")->has_value(1));
  CHECK(format_cell(*r.table.column("discount"), 1, pool).empty());
}

TEST_CASE("one CSV column may feed two spec columns", "[ledger][csv]") {
  StringPool pool;
  TableSpec spec{"t", {col("as_text", ColumnKind::Text, 0, false, "x"), col("as_int", ColumnKind::Int, 0, false, "x")}};
  auto r = read("x\n12\n", spec, pool);
  REQUIRE(errors_of(r).empty());
  CHECK(cell(r, "as_text", 0, pool) == "12");
  CHECK(r.table.column("as_int")->values == std::vector<int64_t>{12});
}

TEST_CASE("a single-column file keeps its empty lines as empty cells", "[ledger][csv]") {
  StringPool pool;
  TableSpec spec{"t", {col("n", ColumnKind::Int, 0, true)}};
  auto r = read("n\n1\n\n3\n\n", spec, pool);
  REQUIRE(errors_of(r).empty());
  CHECK(r.table.column("n")->present == std::vector<uint8_t>{1, 0, 1});
  CHECK(r.table.lines == std::vector<uint64_t>{2, 3, 4});
}

TEST_CASE("max_errors keeps the first errors and counts the rest", "[ledger][csv][errors]") {
  TableSpec spec{"t", {col("n", ColumnKind::Int)}};
  const char* text = "n\nx\n1\ny\nz\n2\nw\n";
  StringPool pool;
  auto one = read(text, spec, pool);
  REQUIRE(one.errors.size() == 1);
  CHECK(one.errors[0].line == 2);
  CHECK(one.errors_not_shown == 3);
  CHECK(one.rows_read == 6);

  ReadOptions two;
  two.max_errors = 2;
  auto r2 = read(text, spec, pool, two);
  CHECK(r2.errors.size() == 2);
  CHECK(r2.errors_not_shown == 2);

  ReadOptions stop;
  stop.count_all_errors = false;
  auto r3 = read(text, spec, pool, stop);
  CHECK(r3.errors.size() == 1);
  CHECK(r3.errors_not_shown == 1);  // the first error beyond the limit stops the read
  CHECK(r3.rows_read == 3);
  CHECK_FALSE(r3.ok());
}

TEST_CASE("reject_bad_rows skips bad rows, counts them and writes a rejects file", "[ledger][csv][rejects]") {
  StringPool pool;
  const std::string path = temp_path("rejects.csv");
  ReadOptions options;
  options.reject_bad_rows = true;
  options.rejects_path = path;
  auto r = read("date,partner,amount,qty\r\n"
                "2026-07-01,P1,1049.35,3\r\n"
                "2026-07-01,\"P, 2\",1.123456,x\r\n"
                "2026-07-02,P3,5,1\r\n"
                "bad,\"multi\nline\",1,1\r\n"
                "2026-07-03,P4,6\r\n",
                sales_spec(), pool, options);
  CHECK(r.ok());
  CHECK(r.rows_read == 5);
  CHECK(r.rows_rejected == 3);
  REQUIRE(r.table.row_count() == 2);
  CHECK(r.table.lines == std::vector<uint64_t>{2, 4});
  CHECK(cell(r, "partner", 1, pool) == "P3");
  REQUIRE(r.rejected.size() == 3);
  CHECK(r.rejected[0].to_string() ==
        "sales.csv:3:19: column `amount`: `1.123456` has 6 decimal places; the column keeps 4; column `qty`: `x` is "
        "not a whole number; expected a whole number like -12");
  CHECK(r.rejected[1].line == 5);
  CHECK(r.rejected[2].line == 7);
  // Each rejected row as it was in the file, its CRLF line end kept, with `_line` and `_error` added.
  CHECK(slurp(path) ==
        "date,partner,amount,qty,_line,_error\r\n"
        "2026-07-01,\"P, 2\",1.123456,x,3,column `amount`: `1.123456` has 6 decimal places; the column keeps 4; "
        "column `qty`: `x` is not a whole number; expected a whole number like -12\r\n"
        "bad,\"multi\nline\",1,1,5,\"column `date`: `bad` is not a date; expected a date written YYYY-MM-DD, like "
        "2026-07-01\"\r\n"
        "2026-07-03,P4,6,7,column `qty`: the row has 3 cells; the header has 4 (missing `qty`)\r\n");
  std::remove(path.c_str());
}

TEST_CASE("rejected rows keep their bytes and line ends: LF, CRLF, a last line without one, a blank line", "[ledger][csv][rejects]") {
  // Hand-written: each input's rejected rows, byte for byte, then `,LINE,REASON` and the row's own line
  // end (the header's for a last line that has none).
  StringPool pool;
  const std::string path = temp_path("rejects-bytes.csv");
  ReadOptions options;
  options.reject_bad_rows = true;
  options.rejects_path = path;
  auto r = read("date,partner,amount,qty\n"
                "2026-07-01,P1,1.5,x\n"
                "\n"
                "2026-07-01,P1,1.5,1\n"
                "2026-07-02,\"P 3\",7000.00,y",
                sales_spec(), pool, options);
  CHECK(r.rows_rejected == 3);
  CHECK(slurp(path) ==
        "date,partner,amount,qty,_line,_error\n"
        "2026-07-01,P1,1.5,x,2,column `qty`: `x` is not a whole number; expected a whole number like -12\n"
        ",3,an empty line; expected 4 cells (blank lines are allowed only at the end of the file)\n"
        "2026-07-02,\"P 3\",7000.00,y,5,column `qty`: `y` is not a whole number; expected a whole number like -12\n");
  std::remove(path.c_str());
}

TEST_CASE("rejected_row and rejects_header add the columns before the line end", "[ledger][csv][rejects]") {
  CHECK(rejected_row("a,b\r\n", 7, "why, so", "\n") == "a,b,7,\"why, so\"\r\n");
  CHECK(rejected_row("a,b\n", 7, "why", "\r\n") == "a,b,7,why\n");
  CHECK(rejected_row("a,\"b\nc\"", 9, "why", "\r\n") == "a,\"b\nc\",9,why\r\n");
  CHECK(rejects_header("x,y\r\n") == "x,y,_line,_error\r\n");
  CHECK(rejects_header("x,y") == "x,y,_line,_error\n");
}

TEST_CASE("read_csv reads files, memory-mapped or not", "[ledger][csv]") {
  const std::string path = temp_path("sales.csv");
  {
    std::ofstream out(path, std::ios::binary);
    out << "date,partner,amount,qty\n2026-07-01,P1,1049.35,3\n2026-07-02,P2,-0.50,-1";
  }
  StringPool pool;
  auto r = read_csv(path, sales_spec(), ReadOptions{}, pool);
  REQUIRE(errors_of(r).empty());
  CHECK(r.table.column("amount")->values == std::vector<int64_t>{10493500, -5000});
  CHECK(r.table.lines == std::vector<uint64_t>{2, 3});
  std::remove(path.c_str());

  auto missing = read_csv(path, sales_spec(), ReadOptions{}, pool);
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].to_string() == path + ": cannot open the file: No such file or directory");

  const std::string empty = temp_path("empty.csv");
  { std::ofstream out(empty); }
  auto e = read_csv(empty, sales_spec(), ReadOptions{}, pool);
  CHECK(e.ok());
  CHECK(e.table.row_count() == 0);
  std::remove(empty.c_str());
}

TEST_CASE("the spec is checked before reading", "[ledger][csv]") {
  StringPool pool;
  TableSpec spec{"t", {col("p", ColumnKind::Percent, 1), col("e", ColumnKind::Enum)}};
  spec.columns[1].enum_members.clear();
  CHECK(errors_of(read("p,e\n", spec, pool)) ==
        std::vector<std::string>{"sales.csv: the table `t` declares column `p` with scale 1; a percent column needs "
                                 "2 to 18",
                                 "sales.csv: the table `t` declares column `e` as an enum without members"});
}

TEST_CASE("excess decimal places round when the column says so", "[ledger][csv]") {
  StringPool pool;
  TableSpec spec{"t", {col("amount", ColumnKind::Money, 2)}};
  spec.columns[0].excess_digits = ExcessDigits::HalfEven;
  auto r = read("amount\n20.985\n20.975\n-1.005\n", spec, pool);
  REQUIRE(errors_of(r).empty());
  CHECK(r.table.column("amount")->values == std::vector<int64_t>{2098, 2098, -100});
}

TEST_CASE("the string pool interns across tables", "[ledger][pool]") {
  StringPool pool;
  CHECK(pool.intern("") == 0);
  CHECK(pool.size() == 1);
  const uint32_t a = pool.intern("P1");
  CHECK(pool.intern("P1") == a);
  CHECK(pool.find("P1") == a);
  CHECK(pool.find("P9") == UINT32_MAX);
  TableSpec partners{"partners", {col("id", ColumnKind::Text)}};
  auto r = read("id\nP2\nP1\n", partners, pool);
  CHECK(r.table.column("id")->values == std::vector<int64_t>{a + 1, a});

  // Many strings (the table grows several times), a long one, and the batched path agree.
  std::vector<std::string> texts;
  for (int i = 0; i < 100000; ++i) texts.push_back("customer-" + std::to_string(i * 7919 % 100003));
  texts.push_back(std::string(5'000'000, 'x'));
  std::vector<uint32_t> ids(texts.size());
  std::vector<std::string_view> views(texts.begin(), texts.end());
  pool.intern_many(views.data(), views.size(), ids.data());
  for (size_t i = 0; i < texts.size(); ++i) {
    REQUIRE(pool.intern(texts[i]) == ids[i]);
    REQUIRE(pool.text(ids[i]) == texts[i]);
  }
  CHECK(pool.intern("P1") == a);
}

TEST_CASE("format_scaled writes a stored value back", "[ledger]") {
  CHECK(format_scaled(-5000, 4) == "-0.5000");
  CHECK(format_scaled(10493500, 4) == "1049.3500");
  CHECK(format_scaled(7, 0) == "7");
  CHECK(format_scaled(1, 3) == "0.001");
  CHECK(format_scaled(std::numeric_limits<int64_t>::min(), 2) == "-92233720368547758.08");
}

TEST_CASE("a column the program never reads must be in the header but is not parsed", "[ledger][csv]") {
  StringPool pool;
  TableSpec spec = sales_spec();
  spec.columns[3].read = false;  // qty
  // `not a number` in qty is not an error: the cell is never parsed.
  auto r = read("date,partner,amount,qty\n2026-07-01,P1,10.50,not a number\n", spec, pool);
  REQUIRE(r.ok());
  CHECK(r.table.row_count() == 1);
  CHECK(r.table.column("qty")->values.empty());
  CHECK(cell(r, "amount", 0, pool) == "10.5000");
  // Its header is still required.
  auto missing = read("date,partner,amount\n2026-07-01,P1,10.50\n", spec, pool);
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].message.find("`qty`") != std::string::npos);
}

TEST_CASE("a large file read by two threads gives exactly what one thread gives", "[ledger][csv]") {
  // About 17 MiB: above the size where two threads read it. Quoted cells with commas, doubled quotes and
  // line breaks, so that the split must find a line start outside every quoted cell.
  TableSpec spec{"sales", {col("date", ColumnKind::Date), col("partner", ColumnKind::Text),
                           col("note", ColumnKind::Text), col("amount", ColumnKind::Money, 2), col("qty", ColumnKind::Int)}};
  std::string data = "date,partner,note,amount,qty\r\n";
  uint64_t seed = 7;
  for (int i = 0; data.size() < (17u << 20); ++i) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    int kind = static_cast<int>((seed >> 33) % 4);
    std::string note = kind == 0 ? "plain" : kind == 1 ? "\"with, comma\"" : kind == 2 ? "\"two\nlines\"" : "\"a \"\"quote\"\"\"";
    data += "2026-0" + std::to_string(1 + i % 9) + "-1" + std::to_string(i % 10) + ",P" + std::to_string(i % 997) + "," + note +
            "," + std::to_string(i % 100000) + "." + std::to_string(10 + i % 90) + "," + std::to_string(i % 50 - 3) + "\r\n";
  }
  StringPool one_pool, two_pool;
  ReadOptions one;
  one.threads = 1;
  ReadOptions two;
  two.threads = 2;
  auto a = read_csv_buffer(data, "big.csv", spec, one, one_pool);
  auto b = read_csv_buffer(data, "big.csv", spec, two, two_pool);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(a.table.row_count() == b.table.row_count());
  CHECK(a.rows_read == b.rows_read);
  CHECK(a.table.lines == b.table.lines);
  for (size_t j = 0; j < spec.columns.size(); ++j) {
    const Column& ca = a.table.columns[j];
    const Column& cb = b.table.columns[j];
    REQUIRE(ca.values.size() == cb.values.size());
    size_t differences = 0;
    for (size_t row = 0; row < ca.values.size(); ++row) {
      if (format_cell(ca, row, one_pool) != format_cell(cb, row, two_pool)) ++differences;
    }
    INFO(spec.columns[j].name);
    CHECK(differences == 0);
  }
}

TEST_CASE("a malformed row in a large file is reported as a sequential read reports it", "[ledger][csv]") {
  TableSpec spec{"sales", {col("partner", ColumnKind::Text), col("qty", ColumnKind::Int)}};
  std::string data = "partner,qty\n";
  while (data.size() < (17u << 20)) data += "P1,1\n";
  data += "P2,oops\n";
  StringPool pool;
  ReadOptions two;
  two.threads = 2;
  auto r = read_csv_buffer(data, "big.csv", spec, two, pool);
  REQUIRE(r.errors.size() == 1);
  uint64_t lines = static_cast<uint64_t>(std::count(data.begin(), data.end(), '\n'));
  CHECK(r.errors[0].line == lines);  // the last line
}

TEST_CASE("a header's problems count against max_errors, and old Mac line ends are named", "[ledger][csv][errors]") {
  StringPool pool;
  TableSpec spec{"t", {col("a", ColumnKind::Int)}};
  // 50,000 headers, every one twice: quick (no pairwise comparison), and only max_errors reported.
  std::string header;
  for (int i = 0; i < 100000; ++i) header += (i ? "," : "") + std::string("h") + std::to_string(i % 50000);
  ReadOptions opts;
  opts.max_errors = 3;
  auto r = read(header + "\n", spec, pool, opts);
  REQUIRE(r.errors.size() == 3);
  CHECK(r.errors[0].to_string() == "sales.csv:1:" + std::to_string(header.find(",h0,") + 2) +
                                       ": the header `h0` appears twice, in CSV columns 1 and 50001");
  CHECK(r.errors_not_shown == 49997);
  // Lines ended by a carriage return alone: one error that says so, not one per cell.
  auto mac = read("a,b\r1,2\r3,4\r", spec, pool, opts);
  CHECK(errors_of(mac) == std::vector<std::string>{"sales.csv:1:1: the lines end with a carriage return alone (the old Mac OS "
                                                   "convention); save the file with LF or CRLF line ends"});
}

TEST_CASE("field_position finds a cell's line and character column in a raw row", "[ledger][csv]") {
  // Columns counted by hand, 1-based, as the reader's errors count them.
  auto at = [](std::string_view raw, size_t field) { return field_position(raw, field); };
  REQUIRE(at("2026-07-02,P9,5\n", 1));
  CHECK(at("2026-07-02,P9,5\n", 0)->column == 1);
  CHECK(at("2026-07-02,P9,5\n", 1)->column == 12);  // after `2026-07-02,` (11 characters)
  CHECK(at("2026-07-02,P9,5\n", 2)->column == 15);
  CHECK(at("\"a,b\",P9\n", 1)->column == 7);         // the comma inside quotes is not a separator
  CHECK(at("\"a\"\"b\",P9\n", 1)->column == 8);      // a doubled quote stays inside the cell
  CHECK(at("\xC3\xA9t\xC3\xA9,P9\n", 1)->column == 5);  // `été,`: four characters in six bytes
  const auto below = at("\"two\nlines\",P9\r\n", 1);  // a quoted line break: the cell is on the next line
  REQUIRE(below);
  CHECK(below->lines_down == 1);
  CHECK(below->column == 8);  // `lines",` is 7 characters
  CHECK_FALSE(at("a,b\n", 2));  // the row has two fields
  CHECK_FALSE(at("a,b", 5));
}

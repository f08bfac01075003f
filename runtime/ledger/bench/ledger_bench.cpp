// Throughput of the ledger reader: writes a seeded CSV file of invoice lines (dates, text, ints, money,
// an optional column, a quoted text column) and reads it back, reporting MB/s.
//
//   ledger_bench [--mb 100] [--file /tmp/ledger_bench.csv] [--runs 3] [--regen]
#include <chrono>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include <sys/stat.h>

#include "ledger/ledger.h"

using namespace rebate::ledger;

namespace {

struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return next() % n; }
};

void generate(const std::string& path, size_t megabytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) {
    std::perror(path.c_str());
    std::exit(2);
  }
  static const char* families[] = {"Servers", "\"Primary Storage\"", "Networking", "Support", "\"Software, Licences\"",
                                   "EV", "PHEV"};
  std::fputs("Invoice Date,Sold-To Partner,Sales Order,SKU,Product Family,Customer,new_customer,quantity,Net Amount,"
             "Discount\n",
             f);
  Rng rng{42};
  const size_t target = megabytes * 1000 * 1000;
  size_t written = 0;
  char line[512];
  while (written < target) {
    int month = 1 + static_cast<int>(rng.below(12)), day = 1 + static_cast<int>(rng.below(28));
    long long cents = static_cast<long long>(rng.below(5'000'000)) - 200'000;
    int n = std::snprintf(line, sizeof line, "2026-%02d-%02d,P%05llu,SO-%08llu,SKU-%04llu,%s,CUST-%06llu,%s,%llu,%s%lld.%02lld,",
                          month, day, static_cast<unsigned long long>(rng.below(2000)),
                          static_cast<unsigned long long>(rng.below(90'000'000)),
                          static_cast<unsigned long long>(rng.below(5000)), families[rng.below(7)],
                          static_cast<unsigned long long>(rng.below(100'000)), rng.below(4) == 0 ? "true" : "false",
                          static_cast<unsigned long long>(1 + rng.below(50)), cents < 0 ? "-" : "",
                          (cents < 0 ? -cents : cents) / 100, (cents < 0 ? -cents : cents) % 100);
    if (rng.below(3) == 0) n += std::snprintf(line + n, sizeof line - static_cast<size_t>(n), "%llu.50",
                                              static_cast<unsigned long long>(rng.below(100)));
    line[n++] = '\n';
    std::fwrite(line, 1, static_cast<size_t>(n), f);
    written += static_cast<size_t>(n);
  }
  std::fclose(f);
}

ColumnSpec col(const char* name, const char* header, ColumnKind kind, int scale = 0, bool optional = false) {
  ColumnSpec c;
  c.name = name;
  c.header = header;
  c.kind = kind;
  c.scale = scale;
  c.optional = optional;
  if (kind == ColumnKind::Money) c.currency = "USD";
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  size_t mb = 100;
  int runs = 3;
  bool regen = false;
  std::string path = "/tmp/ledger_bench.csv";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--mb") && i + 1 < argc) mb = std::strtoul(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--file") && i + 1 < argc) path = argv[++i];
    else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--regen")) regen = true;
  }
  struct stat st {};
  if (regen || ::stat(path.c_str(), &st) != 0) {
    generate(path, mb);
    ::stat(path.c_str(), &st);
  }
  const double size_mb = static_cast<double>(st.st_size) / 1e6;

  TableSpec all{"sales",
                {col("invoice_date", "Invoice Date", ColumnKind::Date), col("partner_id", "Sold-To Partner", ColumnKind::Text),
                 col("order_id", "Sales Order", ColumnKind::Text), col("sku", "SKU", ColumnKind::Text),
                 col("family", "Product Family", ColumnKind::Text), col("customer", "Customer", ColumnKind::Text),
                 col("new_customer", "new_customer", ColumnKind::Bool), col("quantity", "quantity", ColumnKind::Int),
                 col("amount", "Net Amount", ColumnKind::Money, 4), col("discount", "Discount", ColumnKind::Money, 4, true)}};
  TableSpec some{"sales",
                 {col("invoice_date", "Invoice Date", ColumnKind::Date), col("partner_id", "Sold-To Partner", ColumnKind::Text),
                  col("quantity", "quantity", ColumnKind::Int), col("amount", "Net Amount", ColumnKind::Money, 4)}};

  TableSpec texts{"sales",
                  {col("partner_id", "Sold-To Partner", ColumnKind::Text), col("order_id", "Sales Order", ColumnKind::Text),
                   col("sku", "SKU", ColumnKind::Text), col("family", "Product Family", ColumnKind::Text),
                   col("customer", "Customer", ColumnKind::Text)}};
  TableSpec numbers{"sales",
                    {col("invoice_date", "Invoice Date", ColumnKind::Date), col("new_customer", "new_customer", ColumnKind::Bool),
                     col("quantity", "quantity", ColumnKind::Int), col("amount", "Net Amount", ColumnKind::Money, 4),
                     col("discount", "Discount", ColumnKind::Money, 4, true)}};
  TableSpec none{"sales", {}};
  const bool detail = std::getenv("LEDGER_BENCH_DETAIL") != nullptr;
  std::vector<const TableSpec*> specs{&all, &some};
  if (detail) specs.insert(specs.end(), {&texts, &numbers, &none});
  for (const auto* spec : specs) {
    double best = 1e300, best_cpu = 1e300;
    uint64_t rows = 0;
    auto cpu_now = [] {
      timespec ts{};
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
      return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
    };
    for (int r = 0; r < runs; ++r) {
      StringPool pool;
      auto t0 = std::chrono::steady_clock::now();
      const double c0 = cpu_now();
      ReadResult res = read_csv(path, *spec, ReadOptions{}, pool);
      best_cpu = std::min(best_cpu, cpu_now() - c0);
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (!res.ok()) {
        std::fprintf(stderr, "%s\n", res.errors.front().to_string().c_str());
        return 1;
      }
      rows = res.table.row_count();
      best = std::min(best, s);
    }
    std::printf("%s: %.1f MB, %llu rows, %zu of 10 columns: best %.3f s = %.0f MB/s (CPU time %.3f s = %.0f MB/s)\n",
                path.c_str(), size_mb, static_cast<unsigned long long>(rows), spec->columns.size(), best,
                size_mb / best, best_cpu, size_mb / best_cpu);
  }
  return 0;
}

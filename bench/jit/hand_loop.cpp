// The JIT benchmark's yardstick (bench/jit/compare.sh, issue 15): bench/jit/lines.rebate written by hand as
// one C++ loop over the ledger, the way a programmer would write this one program without the toolchain.
// It reads the same CSV files (partners, sales, products), computes the same measures in exact integer
// arithmetic at the scales the language would use, and writes the same payouts:
//
//   hand_loop PARTNERS.csv SALES.csv PRODUCTS.csv OUT.csv [THREADS]
//
// OUT.csv has `partner,period,rebate,amount` for every partner of PARTNERS.csv, every quarter of 2026 and
// every rebate (zero included), as `rebate run` writes them; compare.sh checks the two agree to the cent.
// What it knows that the engine must work out: the columns' meaning, that sales cells are never quoted
// (a quote is an error here), that money has at most two places, that only 2026 is paid. With THREADS = 2
// the file is cut at a line break in the middle and each half summed on its own thread, then merged.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

using i128 = __int128;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "hand_loop: %s\n", what.c_str());
  std::exit(1);
}

std::string_view map_file(const char* path) {
  const int fd = open(path, O_RDONLY);
  if (fd < 0) fail(std::string("cannot open ") + path);
  struct stat st {};
  fstat(fd, &st);
  if (st.st_size == 0) fail(std::string(path) + " is empty");
  void* p = mmap(nullptr, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) fail(std::string("cannot map ") + path);
  close(fd);
  madvise(p, st.st_size, MADV_SEQUENTIAL);
  return {static_cast<const char*>(p), static_cast<size_t>(st.st_size)};
}

// Splits one line (without its line break) at commas; quoted cells (the partner names) are unquoted.
std::vector<std::string> split_quoted(std::string_view line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cells.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else cells.back() += c;
    } else if (c == '"') quoted = true;
    else if (c == ',') cells.emplace_back();
    else if (c != '\r') cells.back() += c;
  }
  return cells;
}

std::vector<std::vector<std::string>> read_small_csv(const char* path) {
  std::string_view text = map_file(path);
  std::vector<std::vector<std::string>> rows;
  while (!text.empty()) {
    const size_t end = std::min(text.find('\n'), text.size());
    if (end > 0 && text.substr(0, end) != "\r") rows.push_back(split_quoted(text.substr(0, end)));
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return rows;
}

size_t column(const std::vector<std::string>& header, const char* name) {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  fail(std::string("no column ") + name);
}

// A decimal cell as an integer of `places` decimal places ("-12.5" at 2 places: -1250).
int64_t fixed(std::string_view s, int places) {
  bool neg = !s.empty() && s[0] == '-';
  if (neg) s.remove_prefix(1);
  int64_t v = 0;
  int seen = -1;
  for (char c : s) {
    if (c == '.' && seen < 0) seen = 0;
    else if (c >= '0' && c <= '9') {
      v = v * 10 + (c - '0');
      if (seen >= 0 && ++seen > places) fail("too many decimal places in `" + std::string(s) + "`");
    } else fail("not a number: `" + std::string(s) + "`");
  }
  for (int k = std::max(seen, 0); k < places; ++k) v *= 10;
  return neg ? -v : v;
}

struct Product {
  bool hardware;
  int64_t list_cents;
  int64_t keep;  // 100% - partner_discount as a ratio at 7 places (100% - 3.125% = 0.96875 = 9687500)
};

// One partner's sums in one quarter, at the scales the language gives them.
struct Sums {
  i128 net = 0;       // quantity * unit_price * (100% - discount): scale 2 + 7
  i128 gap = 0;       // quantity * list_price - amount, scale 2
  i128 weighted = 0;  // amount * 120% | amount * 80% + 5 USD * quantity | amount, scale 4
};

struct Order {
  int64_t value = 0;  // quantity * unit_price, scale 2
  int64_t hardware_lines = 0;
};

// The orders of one part: an open-addressing table (linear probing, a power-of-two size kept at most
// half full), as a programmer who cares about speed would write it: a node-based std::unordered_map
// allocates per order and misses the cache on every lookup, which the engine's own tables do not.
class Orders {
 public:
  struct Slot {
    std::string_view id;  // empty: a free slot (order ids are never empty here)
    uint32_t partner_quarter = 0;
    uint64_t hash = 0;
    Order order;
  };

  Order& at(std::string_view id, uint32_t partner_quarter) {
    if (2 * (used_ + 1) > slots_.size()) grow();
    const uint64_t h = hash(id, partner_quarter);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.id.empty()) {
        s = Slot{id, partner_quarter, h, Order{}};
        ++used_;
        return s.order;
      }
      if (s.hash == h && s.partner_quarter == partner_quarter && s.id == id) return s.order;
    }
  }
  const std::vector<Slot>& slots() const { return slots_; }

 private:
  static uint64_t hash(std::string_view id, uint32_t partner_quarter) {
    uint64_t h = 0xcbf29ce484222325ull ^ partner_quarter;  // FNV-1a over the id, then a final mix
    for (unsigned char c : id) h = (h ^ c) * 0x100000001b3ull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 32);
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    used_ = 0;
    const size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.id.empty()) continue;
      size_t i = s.hash & mask;
      while (!slots_[i].id.empty()) i = (i + 1) & mask;
      slots_[i] = s;
      ++used_;
    }
  }
  std::vector<Slot> slots_;
  size_t used_ = 0;
};

struct Inputs {
  std::unordered_map<std::string_view, uint32_t> partner;  // id -> index
  std::unordered_map<std::string_view, Product> product;   // sku -> product
};

struct Part {
  std::vector<Sums> sums;  // partner * 4 + quarter
  Orders orders;
};

// The cells of one sales line, by position; false at the end of the text.
bool next_line(std::string_view& text, std::array<std::string_view, 16>& cells, size_t want) {
  if (text.empty()) return false;
  size_t n = 0, start = 0, i = 0;
  for (; i < text.size() && text[i] != '\n'; ++i) {
    if (text[i] == ',') {
      if (n < cells.size()) cells[n++] = text.substr(start, i - start);
      start = i + 1;
    } else if (text[i] == '"') fail("a quoted cell in the sales file");
  }
  size_t end = i > start && text[i - 1] == '\r' ? i - 1 : i;
  if (n < cells.size()) cells[n++] = text.substr(start, end - start);
  text.remove_prefix(std::min(i + 1, text.size()));
  if (n < want) fail("a sales line with too few cells");
  return true;
}

void sum_part(std::string_view text, const Inputs& in, const std::array<size_t, 8>& col, Part& part) {
  std::array<std::string_view, 16> c;
  const size_t want = *std::max_element(col.begin(), col.end()) + 1;
  while (next_line(text, c, want)) {
    const std::string_view date = c[col[0]];
    if (date.size() != 10 || date.substr(0, 4) != "2026") continue;  // only 2026 is paid
    const int quarter = ((date[5] - '0') * 10 + (date[6] - '0') - 1) / 3;
    auto p = in.partner.find(c[col[1]]);
    if (p == in.partner.end()) fail("unknown partner " + std::string(c[col[1]]));
    auto pr = in.product.find(c[col[3]]);
    if (pr == in.product.end()) fail("unknown sku " + std::string(c[col[3]]));
    const Product& product = pr->second;
    const uint32_t pq = p->second * 4 + quarter;
    const int64_t qty = fixed(c[col[5]], 0), unit = fixed(c[col[6]], 2), amount = fixed(c[col[7]], 2);
    Sums& s = part.sums[pq];
    s.net += static_cast<i128>(qty) * unit * product.keep;
    if (product.hardware && qty > 0) s.gap += static_cast<i128>(qty) * product.list_cents - amount;
    if (c[col[4]] == "support") s.weighted += static_cast<i128>(amount) * 120;
    else if (qty > 10) s.weighted += static_cast<i128>(amount) * 80 + static_cast<i128>(500) * qty * 100;
    else s.weighted += static_cast<i128>(amount) * 100;
    if (c[col[2]].empty()) fail("a sales line without an order id");
    Order& o = part.orders.at(c[col[2]], pq);
    o.value += qty * unit;
    o.hardware_lines += product.hardware ? 1 : 0;
  }
}

// `v` at `scale` places, floored at zero and rounded half-even to cents.
std::string cents(i128 v, int scale) {
  if (v < 0) v = 0;
  i128 d = 1;
  for (int k = 2; k < scale; ++k) d *= 10;
  i128 q = v / d, r = v % d;
  if (2 * r > d || (2 * r == d && (q & 1))) ++q;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(q / 100), static_cast<long long>(q % 100));
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) fail("usage: hand_loop PARTNERS.csv SALES.csv PRODUCTS.csv OUT.csv [THREADS]");
  const int threads = argc > 5 ? std::atoi(argv[5]) : 1;
  Inputs in;
  const auto partners = read_small_csv(argv[1]);
  std::vector<std::string> partner_ids;
  const size_t pid = column(partners[0], "partner_id");
  for (size_t i = 1; i < partners.size(); ++i) partner_ids.push_back(partners[i][pid]);
  for (size_t i = 0; i < partner_ids.size(); ++i) in.partner.emplace(partner_ids[i], static_cast<uint32_t>(i));
  const auto products = read_small_csv(argv[3]);
  const size_t sku = column(products[0], "sku"), cat = column(products[0], "category"),
               list = column(products[0], "list_price"), disc = column(products[0], "partner_discount");
  for (size_t i = 1; i < products.size(); ++i) {
    std::string d = products[i][disc];
    if (d.empty() || d.back() != '%') fail("a discount without %");
    d.pop_back();
    in.product.emplace(products[i][sku], Product{products[i][cat] == "hardware", fixed(products[i][list], 2),
                                                 10'000'000 - fixed(d, 5)});  // percent points at 5 places: the ratio at 7
  }
  std::string_view sales = map_file(argv[2]);
  const size_t header_end = sales.find('\n');
  const auto header = split_quoted(sales.substr(0, header_end));
  const std::array<size_t, 8> col{column(header, "invoice_date"), column(header, "partner_id"), column(header, "order_id"),
                                  column(header, "sku"),          column(header, "family"),     column(header, "quantity"),
                                  column(header, "unit_price"),   column(header, "amount")};
  sales.remove_prefix(header_end + 1);

  std::vector<Part> parts(threads);
  for (Part& p : parts) p.sums.resize(partner_ids.size() * 4);
  std::vector<std::thread> workers;
  size_t from = 0;
  for (int t = 0; t < threads; ++t) {
    size_t to = t == threads - 1 ? sales.size() : sales.find('\n', sales.size() * (t + 1) / threads);
    to = to == std::string_view::npos ? sales.size() : to + 1;
    workers.emplace_back(sum_part, sales.substr(from, to - from), std::cref(in), std::cref(col), std::ref(parts[t]));
    from = to;
  }
  for (auto& w : workers) w.join();
  for (int t = 1; t < threads; ++t) {
    for (size_t i = 0; i < parts[0].sums.size(); ++i) {
      parts[0].sums[i].net += parts[t].sums[i].net;
      parts[0].sums[i].gap += parts[t].sums[i].gap;
      parts[0].sums[i].weighted += parts[t].sums[i].weighted;
    }
    for (const Orders::Slot& s : parts[t].orders.slots()) {
      if (s.id.empty()) continue;
      Order& mine = parts[0].orders.at(s.id, s.partner_quarter);
      mine.value += s.order.value;
      mine.hardware_lines += s.order.hardware_lines;
    }
  }
  std::vector<i128> big(partner_ids.size() * 4, 0);  // scale 2
  for (const Orders::Slot& s : parts[0].orders.slots())
    if (!s.id.empty() && s.order.value >= 1'000'000 && s.order.hardware_lines > 0) big[s.partner_quarter] += s.order.value;

  FILE* out = std::fopen(argv[4], "w");
  if (!out) fail(std::string("cannot write ") + argv[4]);
  std::fprintf(out, "partner,period,rebate,amount\n");
  for (size_t p = 0; p < partner_ids.size(); ++p) {
    for (int q = 0; q < 4; ++q) {
      const Sums& s = parts[0].sums[p * 4 + q];
      const char* id = partner_ids[p].c_str();
      std::fprintf(out, "%s,2026-Q%d,net_rebate,%s\n", id, q + 1, cents(s.net * 2, 9 + 2).c_str());  // 2%
      std::fprintf(out, "%s,2026-Q%d,gap_rebate,%s\n", id, q + 1, cents(s.gap * 1, 2 + 2).c_str());  // 1%
      std::fprintf(out, "%s,2026-Q%d,weighted_rebate,%s\n", id, q + 1, cents(s.weighted * 15, 4 + 3).c_str());  // 1.5%
      std::fprintf(out, "%s,2026-Q%d,big_orders,%s\n", id, q + 1, cents(big[p * 4 + q] * 5, 2 + 3).c_str());  // 0.5%
    }
  }
  std::fclose(out);
  return 0;
}

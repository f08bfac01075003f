// The windows of periods a cell's values are read over (generator.h), as the look-backs shift them
// (plan/windows.h, shift_window): the period, and every window a chain of look-backs reaches, a
// look-back inside a look-back included (`previous(growth)` with `growth` reading `last_year(revenue)`
// reads the period five quarters back). A window is one of two shapes, relative to the cell's period c:
// one period, c + at; or a year to date shifted back, from the first period of c + at's year less
// `back` to c + at - back. Each window a program needs gets a number (the six the generator always
// knows first, then those chains reach), and its aggregates and measures columns of their own.
#include <fmt/format.h>

#include <cstdlib>

#include "plan/windows.h"
#include "sql/generator.h"

namespace rebate::sql {

void Generator::known_windows() {
  const int per_year = plan::periods_per_year(plan_.grain);
  windows_ = {WindowShape{false, 0, 0}, WindowShape{false, -1, 0}, WindowShape{false, -per_year, 0},
              WindowShape{true, 0, 0},  WindowShape{true, 0, 1},   WindowShape{true, 0, per_year}};
}

int Generator::shifted_window(int window, uint32_t shift) {
  const int per_year = plan::periods_per_year(plan_.grain);
  const WindowShape w = windows_.at(static_cast<size_t>(window));
  // shift: 0 the previous period, 1 the same period last year, 2 the year to date of the window's last
  // period.
  WindowShape to = w;
  if (shift == 2) {
    to = WindowShape{true, w.at - w.back, 0};
  } else {
    const int by = shift == 0 ? 1 : per_year;
    if (w.year_to_date) {
      to.back += by;
    } else {
      to.at -= by;
    }
  }
  for (size_t k = 0; k < windows_.size(); ++k) {
    if (windows_[k] == to) return static_cast<int>(k);
  }
  windows_.push_back(to);
  return static_cast<int>(windows_.size() - 1);
}

std::string Generator::window_name(int window) const {
  switch (window) {
    case kPeriod: return "the period";
    case kPrevious: return "the previous period";
    case kLastYear: return "the same period last year";
    case kYearToDate: return "the year to date";
    case kYtdPrevious: return "the year to date's previous period";
    case kYtdLastYear: return "the year to date last year";
    default: break;
  }
  const WindowShape& w = windows_.at(static_cast<size_t>(window));
  if (!w.year_to_date) return fmt::format("the period {} before", -w.at);
  return fmt::format("the year to date of the period {} before, {} periods back", -w.at, w.back);
}

// How many periods before a cell's the window's first period can be.
int Generator::window_reach(int window) const {
  const WindowShape& w = windows_.at(static_cast<size_t>(window));
  return w.year_to_date ? -w.at + w.back + plan::periods_per_year(plan_.grain) - 1 : -w.at;
}

// Which lines (l) a cell's period (c) reads over a window.
std::string Generator::window_condition(int window) const {
  const WindowShape& w = windows_.at(static_cast<size_t>(window));
  auto plus = [](int k) { return k == 0 ? std::string() : fmt::format(" {} {}", k < 0 ? "-" : "+", std::abs(k)); };
  if (!w.year_to_date) return "l.period = c.period" + plus(w.at);
  const int per_year = plan::periods_per_year(plan_.grain);
  const std::string year_start = w.at == 0 ? "c.year_start" : fmt::format("{} * {}", floor_quotient("c.period" + plus(w.at), per_year), per_year);
  return fmt::format("l.period BETWEEN {}{} AND c.period{}", year_start, plus(-w.back), plus(w.at - w.back));
}

}  // namespace rebate::sql

// Windows of periods as the look-backs shift them (`previous`, `last_year`, `year_to_date`), on the
// program's periods numbered consecutively. One definition for the engine's frames (which read
// measures over them) and the plan's line counts (which work out, before any run, which periods a
// payout's lines come from).
#pragma once

#include <cstdint>

#include "core/calendar.h"

namespace rebate::plan {

// A window of periods: [first, last].
struct PeriodWindow {
  int64_t first;
  int64_t last;
  bool operator==(const PeriodWindow& o) const { return first == o.first && last == o.last; }
};

inline int periods_per_year(PeriodGrain grain) {
  switch (grain) {
    case PeriodGrain::Month: return 12;
    case PeriodGrain::Quarter: return 4;
    case PeriodGrain::Half: return 2;
    case PeriodGrain::Year: return 1;
  }
  return 4;
}

// The first period of period p's year (periods are numbered so that a year's first is a multiple of
// the periods a year, on a fiscal calendar too).
inline int64_t year_start(int64_t p, int per_year) {
  const int64_t q = p >= 0 ? p / per_year : -((-p + per_year - 1) / per_year);
  return q * per_year;
}

// The window a `Shifted` instruction's shift reads from window w: 0 the previous period, 1 the same
// period last year, 2 the year to date (of w's last period).
inline PeriodWindow shift_window(PeriodWindow w, uint32_t shift, int per_year) {
  if (shift == 0) return PeriodWindow{w.first - 1, w.last - 1};
  if (shift == 1) return PeriodWindow{w.first - per_year, w.last - per_year};
  return PeriodWindow{year_start(w.last, per_year), w.last};
}

}  // namespace rebate::plan

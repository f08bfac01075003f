// A program's period grain in words, as messages and explanations say it: "quarter", "quarters".
#pragma once

#include <string>

#include "core/calendar.h"

namespace rebate {

inline const char* period_word(PeriodGrain g) {
  switch (g) {
    case PeriodGrain::Month: return "month";
    case PeriodGrain::Quarter: return "quarter";
    case PeriodGrain::Half: return "half";
    case PeriodGrain::Year: return "year";
  }
  return "quarter";
}

inline std::string periods_word(PeriodGrain g) { return g == PeriodGrain::Half ? "halves" : std::string(period_word(g)) + "s"; }

}  // namespace rebate

// The reports of `rebate diff`: Markdown sized for a pull-request comment (md), and CSV and JSON with
// every changed row. A report receives the changed rows as the comparison finds them (a ChangeSink),
// keeps what it needs of them (the Markdown report: what fits in a comment; CSV and JSON: their text,
// spooled to a temporary file past 16 MB), and is written whole once every cell has been compared.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "diff/compare.h"
#include "engine/report.h"

namespace rebate::diff {

// GitHub's limit on the characters of a comment; the Markdown report stays within it (in bytes).
inline constexpr size_t kCommentLimit = 65536;

// `--fail-above AMOUNT` or `--fail-above PERCENT%`.
struct Threshold {
  Decimal value;
  bool percent = false;
  std::string text;  // as given
};
// "1000", "1_000.50", "1%", "0.5%"; nullopt for anything else (a negative value too).
std::optional<Threshold> parse_threshold(std::string_view text);
// Whether the change of the total from `before` to `after` is more than the threshold: |after - before|
// above the amount, or above the percentage of |before| (any change of a zero total is).
bool exceeds(const Threshold& t, const Decimal& before, const Decimal& after);

// An amount, exactly: the currency's places, or more when the value has more ("1234.50", "0.1250").
std::string amount_text(const Decimal& d, int minor_unit);
// The change from `before` to `after` in percent of |before|, rounded half-even to two places ("1.25",
// "-100.00", "0.00"); nullopt when `before` is zero and `after` is not (a change from nothing: "new").
std::optional<std::string> percent_change(const Decimal& before, const Decimal& after);

struct ReportInfo {
  std::string before_name, after_name;  // the OLD and NEW arguments, as given
  std::string currency;
  bool one_scan = true;  // one combined run (else two runs)
  std::optional<Threshold> fail_above;
  bool exceeded = false;
};

class Report : public ChangeSink {
 public:
  // The whole report, handed to `out` a part at a time. False when a spooled part could not be read back.
  virtual bool write(const Comparison& c, const ReportInfo& info, const engine::TextOut& out) = 0;
};

// "md", "csv" or "json", with amounts at the currency's `minor_unit` places (or more where they have more).
std::unique_ptr<Report> make_report(std::string_view format, int minor_unit);

}  // namespace rebate::diff

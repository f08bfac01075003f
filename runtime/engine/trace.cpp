// The whole trace of a payout (trace.h). It runs after the payout's amount, so that it shows the values
// the payout was computed from: a measure is shown only when the cell worked it out (a measure read in
// a branch not taken was not, and working it out now could raise an error the payout never met).
#include "engine/trace.h"

#include <fmt/format.h>

#include "core/currency.h"
#include "engine/report.h"

namespace rebate::engine {

namespace {

// Collects the bands a function's tier tables reach as it runs.
struct BandLog : vm::Observer {
  explicit BandLog(vm::Observer* after) : next(after) {}
  void band(uint32_t tiers, int band) override {
    reached.emplace_back(tiers, band);
    if (next) next->band(tiers, band);  // coverage, when it counts, sees every lookup as before
  }
  vm::Observer* next;
  std::vector<std::pair<uint32_t, int>> reached;
};

bool applies_tiers(const plan::Function& f) {
  for (const plan::Instr& in : f.code) {
    if (in.op == plan::Opcode::TierOf || in.op == plan::Opcode::TierBy) return true;
  }
  return false;
}

// The first sentence of a doc comment, on one line.
std::string first_sentence(const std::string& doc) {
  std::string out;
  for (size_t i = 0; i < doc.size(); ++i) {
    const char ch = doc[i];
    if (ch == '\n' && i + 1 < doc.size() && doc[i + 1] == '\n') break;  // a paragraph ends it
    out += ch == '\n' ? ' ' : ch;
    if (ch == '.' && (i + 1 == doc.size() || doc[i + 1] == ' ' || doc[i + 1] == '\n')) break;
  }
  return out;
}

}  // namespace

std::string closed_up(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (!space || (!out.empty() && out.back() != ' ')) out += space ? ' ' : c;
  }
  return out;
}

void Tracer::begin(PartnerFrame& frame, std::vector<TraceEntry>& out, std::optional<Window> payout) {
  top_ = &frame;
  payout_ = payout.value_or(frame.window());
  out_ = &out;
  measures_seen_.clear();
  decisions_seen_.clear();
  constants_seen_.clear();
  attributes_seen_.clear();
  rates_seen_.clear();
}

void Tracer::clause(plan::FunctionId f, bool with_bands) {
  if (f != plan::kNoFunction) reads(*top_, f, 0, with_bands);
}

void Tracer::reads(PartnerFrame& frame, plan::FunctionId f, int depth, bool with_bands) {
  const plan::Function& fn = plan_.functions[f];
  for (uint32_t k : fn.constants) {
    if (std::find(constants_seen_.begin(), constants_seen_.end(), k) != constants_seen_.end()) continue;
    constants_seen_.push_back(k);
    const plan::NamedConstant& c = plan_.named_constants[k];
    TraceEntry e;
    e.kind = TraceEntry::Kind::Constant;
    e.depth = static_cast<uint8_t>(depth);
    e.name = c.name;
    e.value = format_value(Value::number(c.value), c.unit, plan_.minor_unit);
    out_->push_back(std::move(e));
  }
  std::vector<std::pair<uint32_t, Window>> met;  // a formula reading a measure twice shows it once
  for (const plan::Instr& in : fn.code) {
    if (in.op == plan::Opcode::Measure || in.op == plan::Opcode::Shifted) {
      const std::pair<uint32_t, Window> key{in.a, in.op == plan::Opcode::Measure ? frame.window() : frame.shifted_window(in.b)};
      if (std::find(met.begin(), met.end(), key) != met.end()) continue;
      met.push_back(key);
      measure(key.first, key.second, depth);
    } else if (in.op == plan::Opcode::Decision) {
      decision(frame, in.a, depth);
    } else if (in.op == plan::Opcode::PartnerAttr) {
      attribute(frame, in.a, depth);
    } else if (in.op == plan::Opcode::Convert) {
      conversion(frame, fn, static_cast<size_t>(&in - fn.code.data()), depth);
    } else if (in.op == plan::Opcode::Aggregate) {
      // Conversions of each line inside the aggregate.
      const plan::Aggregate& a = plan_.aggregates[in.a];
      for (plan::FunctionId g : {a.arg, a.filter}) {
        if (g == plan::kNoFunction) continue;
        const plan::Function& inner = plan_.functions[g];
        for (size_t k = 0; k < inner.code.size(); ++k) {
          if (inner.code[k].op == plan::Opcode::Convert) conversion(frame, inner, k, depth);
        }
      }
    }
  }
  if (with_bands) bands(frame, f, depth);
}

// A partner attribute a formula reads (`partner.tier = gold`), once per payout, as the partner table has it.
void Tracer::attribute(PartnerFrame& frame, uint32_t column, int depth) {
  if (std::find(attributes_seen_.begin(), attributes_seen_.end(), column) != attributes_seen_.end()) return;
  attributes_seen_.push_back(column);
  const uint32_t table = plan_.partner_table;
  if (table == UINT32_MAX) return;
  const uint32_t row = s_.partner_row_in(frame.partner(), frame.window().last);
  TraceEntry e;
  e.kind = TraceEntry::Kind::Partner;
  e.depth = static_cast<uint8_t>(depth);
  e.name = plan_.inputs[table].spec.columns[column].name;
  const ledger::Column& c = s_.tables[table].columns[column];
  e.value = row == UINT32_MAX ? "not in the partner table" : !c.has_value(row) ? "empty" : ledger::format_cell(c, row, s_.pool);
  // With a history (§28), which row: its stretch, which names it among the partner's rows (they do not
  // overlap). Not its line in the file: the output is the same whatever the order of the table's rows.
  if (const Stretch* st = row == UINT32_MAX ? nullptr : s_.history.stretch_of_row(row)) {
    e.value += fmt::format(" (the row of {} in force {})", plan_.inputs[table].name, stretch_text(*st));
  }
  out_->push_back(std::move(e));
}

// A conversion's rates over the frame's period (docs/language.md §24). The lowering puts the amount, its
// currency (a Const, or the Column of the line's currency) and the day (a Column, the line's date) or the
// Period right before each Convert. At a line's date the entry lists the rates in force during the period
// (each line took the one of its day); at the period's end or average, the one rate, and with an amount
// that is a measure, that amount before and after.
void Tracer::conversion(PartnerFrame& frame, const plan::Function& fn, size_t k, int depth) {
  if (k < 2) return;
  const plan::Instr& in = fn.code[k];
  const plan::Instr& currency = fn.code[k - 2];
  const int to = static_cast<int>(in.a);
  const Value period = frame.period();
  const DayNumber first = static_cast<DayNumber>(period.coef), last = static_cast<DayNumber>(period.aux);
  std::vector<int> from;
  if (currency.op == plan::Opcode::Const) {
    from.push_back(static_cast<int>(plan_.constants[currency.a].coef));
  } else {  // the line's currency: every currency with a rate into `to` in force during the period
    for (int c = 0; c < currency_count(); ++c) {
      if (c != to && s_.fx.on(c, to, last)) from.push_back(c);
    }
  }
  for (int f : from) {
    if (f == to) continue;
    TraceEntry e;
    e.kind = TraceEntry::Kind::Rate;
    e.depth = static_cast<uint8_t>(depth);
    e.name = FxRates::pair_name(f, to);
    std::optional<Decimal> rate;
    if (in.b == 0) {
      // Each rate in force during the period, from the day it took effect (or the period's first day).
      std::optional<Decimal> before;
      for (DayNumber d = first; d <= last; ++d) {
        std::optional<Decimal> r = s_.fx.on(f, to, d);
        if (!r || (before && Decimal::compare(*r, *before) == 0)) continue;
        e.value += fmt::format("{}{} from {}", e.value.empty() ? "" : ", ", r->to_string(), format_date(d));
        before = r;
      }
      if (e.value.empty()) e.value = "no rate";
      e.detail = "each line at the rate of its date (line_date)";
    } else {
      DayNumber missing = first;
      rate = in.b == 1 ? s_.fx.on(f, to, last) : s_.fx.average(f, to, first, last, &missing);
      e.value = rate ? rate->to_string() : "no rate";
      e.detail = in.b == 1 ? fmt::format("in force on {} (period_end)", format_date(last))
                           : fmt::format("the average of the daily rates {} .. {} (period_average)", format_date(first), format_date(last));
      if (fn.kind != plan::FunctionKind::Row && rate && k >= 3 && fn.code[k - 3].op == plan::Opcode::Measure) {
        const Value amount = frame.measure(fn.code[k - 3].a);
        if (!amount.none) {
          const std::optional<Decimal> converted = Decimal::mul(amount.decimal(), *rate);
          const std::string code_from(currency_code_at(f)), code_to(currency_code_at(to));
          e.detail += fmt::format(": {} is {}", format_value(amount, code_from, currency_minor_unit(code_from)),
                                  converted ? format_value(Value::number(*converted), code_to, currency_minor_unit(code_to)) : "too large");
        }
      } else if (fn.kind == plan::FunctionKind::Row) {
        e.detail += ", each line";
      }
    }
    const std::string key = e.name + "|" + e.value + "|" + e.detail;
    if (std::find(rates_seen_.begin(), rates_seen_.end(), key) != rates_seen_.end()) continue;
    rates_seen_.push_back(key);
    out_->push_back(std::move(e));
  }
}

void Tracer::measure(uint32_t m, Window w, int depth) {
  const size_t block = c_.memo.block(w);
  if (!c_.memo.known(block + m)) return;  // not worked out for this payout (a branch not taken)
  const plan::Measure& pm = plan_.measures[m];
  TraceEntry e;
  e.kind = TraceEntry::Kind::Measure;
  e.depth = static_cast<uint8_t>(depth);
  e.name = pm.name;
  if (!(w == payout_)) e.window = window_label(w);
  e.value = format_measure(pm, c_.memo.value(block + m), *top_->texts(), plan_.minor_unit);
  const std::pair<uint32_t, Window> key{m, w};
  if (std::find(measures_seen_.begin(), measures_seen_.end(), key) != measures_seen_.end()) {
    if (depth == 0) return;  // a clause reading what an earlier clause read: its line is there already
    e.repeated = true;
    out_->push_back(std::move(e));
    return;
  }
  measures_seen_.push_back(key);
  e.detail = pm.formula;
  e.doc = first_sentence(pm.doc);
  // A measure over one aggregate (`sales.sum(amount where ...)`): the lines it read.
  std::vector<uint32_t> aggregates;
  for (const plan::Instr& in : plan_.functions[pm.value].code) {
    if (in.op == plan::Opcode::Aggregate && std::find(aggregates.begin(), aggregates.end(), in.a) == aggregates.end()) aggregates.push_back(in.a);
  }
  uint64_t count = 0;
  if (aggregates.size() == 1 && lines(aggregates[0], w, count)) {
    e.lines = static_cast<int64_t>(count);
    e.over_groups = plan_.aggregates[aggregates[0]].over_group;
  }
  out_->push_back(std::move(e));
  PartnerFrame inner(c_, top_->partner(), w, block);
  for (plan::FunctionId part : {pm.value, pm.cap, pm.floor}) {
    if (part != plan::kNoFunction) reads(inner, part, depth + 1);
  }
}

void Tracer::decision(PartnerFrame& frame, uint32_t d, int depth) {
  if (std::find(decisions_seen_.begin(), decisions_seen_.end(), d) != decisions_seen_.end()) return;
  decisions_seen_.push_back(d);
  const plan::Decision& pd = plan_.decisions[d];
  TraceEntry e;
  e.kind = TraceEntry::Kind::Decision;
  e.depth = static_cast<uint8_t>(depth);
  e.name = pd.name;
  try {  // the payout read it, so it has a value; asked again here, it gives the same
    const Value row = pd.row == plan::kNoFunction ? Value::missing() : frame.run(pd.row);
    if (!row.none && row.coef >= 0 && static_cast<size_t>(row.coef) < pd.rows.size()) {
      const plan::Location& l = plan_.locations[pd.rows[static_cast<size_t>(row.coef)]];
      e.detail = fmt::format("row {} ({}:{}) matched: {}", static_cast<int64_t>(row.coef) + 1, l.file, l.line, closed_up(l.text));
    }
  } catch (const vm::EvalError&) {
    return;  // not read by this payout after all (a branch not taken)
  }
  out_->push_back(std::move(e));
  reads(frame, pd.value, depth + 1);
}

void Tracer::bands(PartnerFrame& frame, plan::FunctionId f, int depth) {
  if (!applies_tiers(plan_.functions[f])) return;
  BandLog log(c_.machine->observer());
  c_.machine->set_observer(&log);
  try {
    frame.run(f);
  } catch (const vm::EvalError&) {
    log.reached.clear();  // not run by this payout (its error would have stopped the run)
  }
  c_.machine->set_observer(log.next);
  for (const auto& [t, band] : log.reached) {
    const plan::Tiers& tiers = plan_.tiers[t];
    TraceEntry e;
    e.kind = TraceEntry::Kind::Band;
    e.depth = static_cast<uint8_t>(depth);
    e.name = tiers.name;
    if (band < 0) {
      e.detail = "no band reached";
    } else {
      const plan::TierBand& b = tiers.bands[static_cast<size_t>(band)];
      e.detail = digits_grouped(b.upper ? fmt::format("from {} to {}", b.lower_text, b.upper_text) : fmt::format("from {}", b.lower_text));
      e.value = digits_grouped(b.value_text);
    }
    out_->push_back(std::move(e));
  }
}

std::string Tracer::window_label(Window w) const {
  if (w.first == w.last) return s_.periods.label(w.first);
  return fmt::format("{} to {}", s_.periods.label(w.first), s_.periods.label(w.last));
}

bool Tracer::lines(uint32_t a, Window w, uint64_t& count) const {
  const plan::Aggregate& agg = plan_.aggregates[a];
  // Over several periods a windowed group's rows are formed again from all the window's lines: the
  // periods' group rows do not add up to them.
  if (agg.over_group && w.first != w.last && !s_.group_windowed.empty() && s_.group_windowed[agg.source]) return false;
  count = 0;
  for (PeriodIndex p = w.first; p <= w.last; ++p) {
    const size_t cell = s_.cell(top_->partner(), p);
    if (cell != SIZE_MAX) count += s_.aggregates.at(cell, a).count;
  }
  return true;
}

}  // namespace rebate::engine

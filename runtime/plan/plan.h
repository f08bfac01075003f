// The evaluation plan: what the compiler's lowering (compiler/lower) hands the engine (runtime/engine).
//
// A plan is the whole program as data: the inputs to read (as ledger TableSpecs), the aggregates to
// compute in one fused scan per ledger, the groups, the measures in dependency order, the tier and
// decision tables, the rebates with their clauses, awards and budgets. Every formula is a bytecode
// function (opcodes.def) with a source location per instruction for runtime errors. A second engine
// (the LLVM JIT) compiles the same functions and must agree to the cent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/calendar.h"
#include "core/decimal.h"
#include "ledger/ledger.h"

namespace rebate::plan {

enum class Opcode : uint8_t {
#define OPCODE(Name, Effect, Doc) Name,
#include "plan/opcodes.def"
};

// What PeriodPart reads of a period (its operand a): `period.quarter_of_year`, `period.month_of_year`,
// `period.is_first_of_year`.
enum class PeriodPart : uint8_t { QuarterOfYear, MonthOfYear, IsFirstOfYear };
// What TextTest and TextMap compute (their operand a): the text functions of docs/language.md §4.
enum class TextFunction : uint8_t { StartsWith, EndsWith, Contains, Upper, Lower, Length };
const char* name(Opcode op);

// A runtime value. Numbers (Int, Decimal, Money, Percent as a ratio) are exact decimals: coef / 10^scale.
// Dates are day numbers in `coef`; periods their first day in `coef` and last day in `aux`; text a
// string id; enums a member index; booleans 0/1; durations a count in `coef` with the unit in `aux`
// (0 days, 1 months). `none` marks a missing value.
struct Value {
  Int128 coef = 0;
  int64_t aux = 0;
  int16_t scale = 0;
  bool none = false;

  static Value number(const Decimal& d) { return Value{d.coefficient(), 0, static_cast<int16_t>(d.scale()), false}; }
  static Value integer(int64_t v) { return Value{v, 0, 0, false}; }
  static Value boolean(bool b) { return Value{b ? 1 : 0, 0, 0, false}; }
  static Value missing() { return Value{0, 0, 0, true}; }
  Decimal decimal() const { return Decimal::from_scaled(coef, scale); }
  bool truthy() const { return coef != 0; }
};

struct Instr {
  Opcode op;
  uint32_t a = 0;
  uint32_t b = 0;
  uint32_t where = 0;  // index into Plan::locations
};

// Where a function may run decides what its loads read.
enum class FunctionKind : uint8_t {
  Row,            // one ledger line: Column, Lookup, PartnerAttr, PartnerId, Period
  GroupRow,       // one group row: GroupField, PartnerAttr, PartnerId, Period
  PartnerPeriod,  // one partner and window: Measure, Shifted, Aggregate, Decision, PartnerAttr, ...
};

struct Function {
  std::string name;  // "measure ev_revenue", "rebate storage pay"
  FunctionKind kind = FunctionKind::PartnerPeriod;
  uint32_t input = UINT32_MAX;  // Row: the ledger; GroupRow: the group
  uint32_t locals = 0;          // Load/Store slots (decision tables keep their inputs there)
  std::vector<Instr> code;
  // The named constants it reads (Plan::named_constants), which the code holds inlined as Const: for
  // explanations (`cap quarterly_cap (50,000.00 USD)`).
  std::vector<uint32_t> constants;
};

using FunctionId = uint32_t;
inline constexpr FunctionId kNoFunction = UINT32_MAX;

struct Location {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string text;  // the source of the expression, for messages and explanations
};

// Payments: what was paid (partner, rebate, period, amount, date paid), read whole like a table; settled
// rebates net against it (docs/language.md §22).
// Fx: exchange rates (base currency, quote currency, date, rate), read whole; `convert` reads them
// (docs/language.md §24).
// LedgerIndex: a keyed ledger's lines read whole, like a table, so that other ledgers look them up by key
// (`subscription: activations`, docs/language.md §26). It reads the file of the ledger it indexes (same
// name) a second time, keeping only the key and the columns read through it.
enum class InputKind { Ledger, Table, PartnerTable, Payments, Fx, Claims, LedgerIndex };

struct Input {
  std::string name;
  InputKind kind = InputKind::Ledger;
  ledger::TableSpec spec;
  uint32_t partner_column = UINT32_MAX;  // ledgers: the `as partner` column
  uint32_t date_column = UINT32_MAX;     // ledgers: the `as date` column
  uint32_t booked_column = UINT32_MAX;   // ledgers: the `as booked` column (the day the line was booked), if any
  uint32_t key_column = UINT32_MAX;      // tables: the `as key` column
  // The partner table: the `as valid_from` and `as valid_to` columns of a table with history (§28), if any.
  uint32_t valid_from_column = UINT32_MAX, valid_to_column = UINT32_MAX;
  // Payments: the `as rebate`, `as period` and `as amount` columns (and partner_column, date_column).
  uint32_t rebate_column = UINT32_MAX, period_column = UINT32_MAX, amount_column = UINT32_MAX;
  // Claims: the `as claim` column, the claim's id (and partner_column, date_column, amount_column).
  uint32_t claim_column = UINT32_MAX;
  // Fx: the `as base`, `as quote` and `as rate` columns (and date_column, the day a rate takes effect).
  uint32_t base_column = UINT32_MAX, quote_column = UINT32_MAX, rate_column = UINT32_MAX;
  // Columns typed with a table's name (`sku: skus`): column index -> table input index.
  std::vector<std::pair<uint32_t, uint32_t>> lookups;
  // LedgerIndex: the ledger whose lines it indexes.
  uint32_t indexes = UINT32_MAX;
  // Ledgers: the `as partner` column is a lookup into a keyed ledger (`subscription: activations as
  // partner`): the line belongs to the partner of the line it names.
  bool partner_through_lookup = false;
};

enum class AggregateKind { Sum, Count, CountDistinct, Min, Max, Avg };
const char* name(AggregateKind kind);

struct Aggregate {
  AggregateKind kind;
  bool over_group = false;        // over a group's rows instead of a ledger's lines
  uint32_t source = 0;            // the ledger input, or the group
  FunctionId filter = kNoFunction;  // Row/GroupRow function giving a boolean
  FunctionId arg = kNoFunction;     // Row/GroupRow function giving the aggregated value (not for Count)
  bool arg_is_text = false;         // the value is Text (an interned id): count_distinct sets hold ids
  uint32_t where = 0;             // location of the aggregate in the source
};

// A group: the lines of one ledger split by key columns within each partner and period. Its fields are
// formulas over aggregates of one group's lines: in a field's function, `Aggregate a` means
// Plan::group_field_aggregates[a], computed per group row. A group row's values are its keys, then its
// fields (GroupField k reads the k-th).
struct Group {
  std::string name;
  uint32_t ledger = 0;
  std::vector<uint32_t> key_columns;
  std::vector<std::string> field_names;
  std::vector<FunctionId> field_values;
  std::vector<uint32_t> aggregates;  // the group_field_aggregates its fields use
};

// How an explanation writes a measure's value: a number (in the measure's unit), or a value that is no
// number and whose Value holds an id (a text, quoted), a flag, a member index or a day number.
enum class Shown : uint8_t { Number, Text, Bool, Enum, Date };

struct Measure {
  std::string name;
  std::string unit;  // for explanations: a currency code, "%" (a ratio shown as a percentage), or ""
  Shown shown = Shown::Number;
  std::vector<std::string> members;  // Shown::Enum: member names by index
  FunctionId value = kNoFunction;
  FunctionId cap = kNoFunction;    // measure limits
  FunctionId floor = kNoFunction;
  std::string doc;
  std::string formula;  // the definition as written after `=`, limits included: for explanations
};

// A named constant with a number, money or percentage value, for explanations.
struct NamedConstant {
  std::string name;
  std::string unit;  // as Measure::unit
  Decimal value;
};

enum class TierMode { Retroactive, Incremental };

struct TierBand {
  Decimal lower;
  std::optional<Decimal> upper;  // none for the open last band
  Decimal value;                 // a ratio for percentages, or an amount
  std::string lower_text, upper_text, value_text;  // as written, for explanations
};

struct Tiers {
  std::string name;
  std::string unit;  // of the bounds: "USD", "%" or ""
  TierMode mode = TierMode::Retroactive;
  bool pays_percent = true;
  std::vector<TierBand> bands;
};

struct Decision {
  std::string name;
  FunctionId value = kNoFunction;  // the rows compiled to one PartnerPeriod function
  FunctionId row = kNoFunction;    // the same rows giving the index of the row that matches (an Int)
  std::vector<uint32_t> rows;      // each row's location
};

// What a settled rebate pays when it earned less than was paid (`on negative ...`).
enum class SettlePolicy { Floor, ClawBack, CarryForward };

struct GuardedAmount {
  FunctionId value = kNoFunction;
  FunctionId when = kNoFunction;  // none: always
  uint32_t where = 0;
};

struct Condition {
  FunctionId test = kNoFunction;
  uint32_t where = 0;  // the clause's text, for explanations ("not eligible: partner.tier >= silver")
  std::vector<uint32_t> measures;  // the measures it reads, shown with their values
};

// One term of a payout's ledger-line count (its `lines`: the distinct ledger lines its amount was
// computed from, docs/language.md §21), made by plan/line_counts.h. When the payout's period c is at
// position `pos` of its year, it counts what aggregate `aggregate` took over periods c + first ..
// c + last: over a ledger, its states' line counts (lines are distinct across the terms: a period's
// lines of a ledger are one term); over a group, the sum of its rows' `(lines)` field.
struct LineCount {
  uint32_t pos = 0;
  int32_t first = 0, last = 0;
  uint32_t aggregate = 0;
  std::vector<uint32_t> reads;  // the aggregates of the amount it counts the lines of (for --detail's cells)
};

struct Rebate {
  std::string name;
  std::string title;
  std::vector<Condition> eligible;
  std::vector<Condition> require;
  GuardedAmount pay;
  std::vector<GuardedAmount> accelerate;
  std::vector<GuardedAmount> uplift;
  FunctionId cap = kNoFunction;
  FunctionId floor = kNoFunction;
  uint32_t cap_where = 0, floor_where = 0;  // the clauses' amounts as written, for explanations
  bool allow_negative = false;
  // Settlement (`settle [year_to_date] against PAYMENTS`): the payout is what the clauses earn over the
  // window (the period, or the year to date) less what the payments input says was paid for it.
  uint32_t payments = UINT32_MAX;  // the payments input; UINT32_MAX: the rebate does not settle
  bool settle_year_to_date = false;
  SettlePolicy on_negative = SettlePolicy::Floor;
  std::optional<PeriodGrain> cap_per;  // `cap X per year`: the cap is over the year's payouts, netted against payments
  // `floor X per year`: the year's payouts add up to at least X, met by the window's last period (netted
  // against payments like the cap); the plain `floor` does not apply then.
  std::optional<PeriodGrain> floor_per;
  // A fund (docs/language.md §27): `pay.value` is what it accrues each period; its payout is the claims of
  // this claims input it pays in the period, up to the balance carried from the program's first period.
  uint32_t claims = UINT32_MAX;  // the claims input; UINT32_MAX: a rebate
  // `expire after N periods`: each period's accrual pays claims of that period and the N - 1 after it,
  // then what is left of it lapses. 0: accruals never expire.
  uint32_t fund_expires_after = 0;
  RoundingMode rounding = RoundingMode::HalfEven;
  int places = 2;  // the currency's minor unit unless `rounding ... to N`
  // For explanations: the measures the pay clause reads, and the tier table it applies (if any).
  std::vector<uint32_t> pay_measures;
  uint32_t pay_tiers = UINT32_MAX;
  FunctionId pay_basis = kNoFunction;   // the basis a tier table or percentage applies to
  FunctionId pay_metric = kNoFunction;  // what picks the band (the basis unless `by`)
  std::string pay_metric_text;          // as written: "storage_revenue"
  std::string doc;
  std::vector<LineCount> line_counts;   // its payouts' `lines`, by the position of their period in the year
};

// Every function of a rebate's clauses: what a settlement over the year to date runs over that window.
inline std::vector<FunctionId> rebate_functions(const Rebate& r) {
  std::vector<FunctionId> out;
  for (const auto* conds : {&r.eligible, &r.require}) {
    for (const Condition& c : *conds) out.push_back(c.test);
  }
  for (const GuardedAmount* g : {&r.pay}) out.insert(out.end(), {g->value, g->when});
  for (const auto* guarded : {&r.accelerate, &r.uplift}) {
    for (const GuardedAmount& g : *guarded) out.insert(out.end(), {g.value, g.when});
  }
  out.insert(out.end(), {r.cap, r.floor, r.pay_basis, r.pay_metric});
  return out;
}

struct AwardRow {
  FunctionId when = kNoFunction;  // none: otherwise
  FunctionId value = kNoFunction;
  uint32_t where = 0;  // the row as written, for explanations
};

// What an award's or metric's value is, which says how it is written.
enum class ValueType : uint8_t { Text, Bool, Enum, Money, Number, Percent };

// An award (the first row that holds gives its value), or a metric: one `otherwise` row, a value for
// every partner and period, written apart from the awards (docs/language.md §25).
struct Award {
  std::string name;
  std::string title;
  bool metric = false;
  bool next_period = false;
  std::vector<AwardRow> rows;
  ValueType type = ValueType::Text;
  std::vector<std::string> members;  // Enum: member names by index
  std::string currency;              // Money: its currency; the value is rounded to its minor unit
  int places = 2;                    // Money: the currency's minor unit
};

struct Budget {
  std::string name;
  Decimal amount;
  std::vector<uint32_t> rebates;  // empty: every rebate
};

struct Plan {
  // The program header.
  std::string title;
  std::string currency;
  int minor_unit = 2;
  PeriodGrain grain = PeriodGrain::Quarter;
  std::optional<DayNumber> effective_from, effective_to;
  RoundingMode rounding = RoundingMode::HalfEven;
  // `closed_through:` (the last closed period's label) and `closed_on:` (nullopt: its last day); the
  // run's --closed-through / --closed-on override them (docs/language.md §23).
  std::optional<std::string> closed_through;
  std::optional<DayNumber> closed_on;
  // `payout_currency:` and `payout_fx:` (docs/language.md §24, "Paying in the partner's currency"): each
  // final payout, in `currency`, converted into `code` or, when `partner_column` is set, into the currency
  // that column of the partner table names for the partner; at the rate in force on the period's last
  // day, or the period's average rate. The run's one step after budgets and settlement (payout_currency.h).
  struct PayoutCurrency {
    std::string code;
    uint32_t partner_column = UINT32_MAX;
    bool average = false;
    uint32_t where = 0;  // the `payout_currency` setting, for a missing rate's error
    bool operator==(const PayoutCurrency& o) const { return code == o.code && partner_column == o.partner_column && average == o.average; }
  };
  std::optional<PayoutCurrency> payout_currency;
  // A fiscal calendar: years start at `fiscal_start` and then every 364 days; quarters of 13 weeks
  // split into months of `fiscal_weeks` weeks.
  std::optional<DayNumber> fiscal_start;
  int fiscal_weeks[3] = {4, 4, 5};

  std::vector<Input> inputs;
  uint32_t partner_table = UINT32_MAX;
  uint32_t fx_input = UINT32_MAX;  // the FX table `convert` reads, if the program has one
  std::vector<Aggregate> aggregates;             // per partner and period
  std::vector<Aggregate> group_field_aggregates; // per group row
  std::vector<Group> groups;
  std::vector<Measure> measures;                 // in dependency order
  std::vector<Tiers> tiers;
  std::vector<Decision> decisions;
  std::vector<Rebate> rebates;
  std::vector<Award> awards;
  std::vector<Budget> budgets;
  std::vector<NamedConstant> named_constants;

  std::vector<Function> functions;
  std::vector<Value> constants;
  std::vector<std::string> texts;    // text constants: interned at run time; Const of a Text refers here
  std::vector<Location> locations;
};

// `--dump=plan` and `--dump=bytecode`.
std::string dump_plan(const Plan& plan);
std::string dump_bytecode(const Plan& plan);

}  // namespace rebate::plan

// The abstract syntax tree: what compiler/parse builds from the ANTLR parse tree and every later phase
// reads. Plain data with spans; types and name resolutions live in side tables keyed by ExprId
// (compiler/check/typed_program.h), so the tree itself never changes after parsing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "source/source.h"

namespace rebate::ast {

using ExprId = uint32_t;

// Expression kinds, listed once. Switches over them have no `default:`.
#define REBATE_EXPR_KINDS(X) \
  X(Int)        /* 42, 100_000                        text = digits without '_'      */ \
  X(Decimal)    /* 1.5                                text = digits without '_'      */ \
  X(Quantity)   /* 100 USD, 30 days                   text = number, unit = word     */ \
  X(Percent)    /* 5%, 2.5%                           text = number without '%'      */ \
  X(Date)       /* 2026-07-01                         text                           */ \
  X(Period)     /* 2026-Q3, 2026-07, 2026-H1          text                           */ \
  X(String)     /* "EV"                               text = decoded value           */ \
  X(Bool)       /* true, false                        text                           */ \
  X(List)       /* [a, b]                             args = items                   */ \
  X(Tuple)      /* (a, b): count_distinct((a, b))     args = items                   */ \
  X(Name)       /* revenue, partner                   text = name                    */ \
  X(Member)     /* partner.tier                       args[0] = object, text = member */ \
  X(Call)       /* min(a, b)                          text = callee, args, where     */ \
  X(Method)     /* sales.sum(amount where c)          args[0] = object, text = method, args[1..] */ \
  X(Unary)      /* -x, not x                          op, args[0]                    */ \
  X(Binary)     /* a + b, a of b, a by b, a .. b      op, args[0], args[1]           */ \
  X(In)         /* a in b, a not in b                 args[0], args[1], negated      */ \
  X(If)         /* if c then a else b                 args[0..2]                     */

enum class ExprKind {
#define X(k) k,
  REBATE_EXPR_KINDS(X)
#undef X
};
const char* name(ExprKind kind);

#define REBATE_OPS(X) \
  X(Neg, "-") X(Plus, "+") X(Not, "not") \
  X(Add, "+") X(Sub, "-") X(Mul, "*") X(Div, "/") X(Of, "of") X(By, "by") X(Range, "..") \
  X(Eq, "==") X(Ne, "!=") X(Lt, "<") X(Le, "<=") X(Gt, ">") X(Ge, ">=") \
  X(And, "and") X(Or, "or") X(Otherwise, "otherwise")

enum class Op {
#define X(k, s) k,
  REBATE_OPS(X)
#undef X
};
const char* spelling(Op op);

struct Ident {
  std::string name;
  Span span;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprId id = 0;
  ExprKind kind = ExprKind::Int;
  Span span;
  std::string text;       // see REBATE_EXPR_KINDS
  std::string unit;       // Quantity only
  Span name_span;         // the member, method, callee or unit word
  Op op = Op::Add;        // Unary and Binary only
  bool negated = false;   // In only
  std::vector<ExprPtr> args;
  ExprPtr where;          // Call and Method: the `where` filter
  // Call and Method: the arguments' names, by args index (`to` in `convert(x, to: EUR, ...)`; empty
  // names for unnamed ones), or empty when no argument is named.
  std::vector<Ident> labels;

  const Expr& arg(size_t i) const { return *args.at(i); }
};

struct TypeRef {
  Ident name;
  std::vector<Ident> args;  // Money(EUR), Decimal(4): numbers are kept as their text
  bool optional = false;
  Span span;
};

struct Setting {
  Ident name;
  ExprPtr value;
};

// Declarations. Every one has a name (except imports and the program header) and may carry a doc
// comment (the `///` lines right above it).
struct Import {
  std::string path;
  Span span;
};

struct Program {
  std::string title;
  std::vector<Setting> settings;
  Span span;
  std::string doc;
};

struct Enum {
  Ident name;
  std::vector<Ident> members;
  Span span;
  std::string doc;
};

struct Column {
  Ident name;
  TypeRef type;
  std::vector<Ident> roles;          // partner, date, key
  std::optional<std::string> header; // the CSV header, when it differs from the name
  Span header_span;
  std::optional<Ident> rounding;     // how cells with too many decimal places are rounded (else refused)
  Span span;
  std::string doc;
};

// Payments: the ledger of what was paid (partner, rebate, period, amount, date paid), which settled
// rebates net against (docs/language.md §22).
// Fx: exchange rates (base currency, quote currency, date, rate) that `convert` reads (docs/language.md §24).
enum class SourceKind { Table, PartnerTable, Ledger, Payments, Fx, Claims };

// Tables and ledgers: both are typed inputs bound to CSV files at run time.
struct Source {
  SourceKind kind;
  Ident name;
  std::vector<Column> columns;
  Span span;
  std::string doc;
};

struct Calendar {
  Ident name;
  std::vector<Setting> settings;
  Span span;
  std::string doc;
};

struct Const {
  Ident name;
  std::optional<TypeRef> type;
  ExprPtr value;
  Span span;
  std::string doc;
};

struct MeasureLimit {
  bool is_cap;  // cap or floor
  ExprPtr value;
  Span span;
};

struct Measure {
  Ident name;
  std::optional<TypeRef> type;
  ExprPtr value;
  std::vector<MeasureLimit> limits;
  Span span;
  std::string doc;
};

struct GroupField {
  Ident name;
  std::optional<TypeRef> type;
  ExprPtr value;
  Span span;
};

struct Group {
  Ident name;
  Ident ledger;
  std::vector<Ident> keys;
  std::vector<GroupField> fields;
  Span span;
  std::string doc;
};

enum class TierMode { Retroactive, Incremental };

struct TierBand {
  ExprPtr lower;
  ExprPtr upper;  // null for the open-ended last band
  ExprPtr value;
  Span span;
};

struct Tiers {
  Ident name;
  TierMode mode;
  Span mode_span;
  std::vector<TierBand> bands;
  Span span;
  std::string doc;
};

enum class PatternKind { Wildcard, Equals, Compare, Range };

struct PatternAlt {
  PatternKind kind = PatternKind::Equals;
  Op compare = Op::Eq;   // Compare only: Lt, Le, Gt, Ge, Ne
  ExprPtr value;         // Equals, Compare, and the lower end of Range
  ExprPtr upper;         // Range only (inclusive)
  Span span;
};

struct Pattern {
  std::vector<PatternAlt> alternatives;  // one Wildcard alternative for `_`
  Span span;
};

struct DecisionRow {
  bool is_otherwise = false;
  std::vector<Pattern> patterns;
  ExprPtr value;
  Span span;
};

struct Decision {
  Ident name;
  TypeRef result;
  std::vector<ExprPtr> inputs;
  std::vector<DecisionRow> rows;
  Span span;
  std::string doc;
};

#define REBATE_CLAUSE_KINDS(X) \
  X(Eligible, "eligible when") X(Require, "require") X(Pay, "pay") X(Uplift, "uplift") \
  X(Accelerate, "accelerate") X(Cap, "cap") X(Floor, "floor") X(AllowNegative, "allow negative") \
  X(Rounding, "rounding") X(Settle, "settle") X(OnNegative, "on negative") \
  X(Accrue, "accrue") X(Claims, "pay claims from") X(Expire, "expire after")

enum class ClauseKind {
#define X(k, s) k,
  REBATE_CLAUSE_KINDS(X)
#undef X
};
const char* spelling(ClauseKind kind);

struct Clause {
  ClauseKind kind;
  ExprPtr value;       // the condition of eligible/require, the amount of pay/uplift/cap/floor, a fund's expiry, ...
  ExprPtr when;        // pay/uplift/accelerate ... when COND
  Ident rounding_mode; // Rounding only
  ExprPtr rounding_to; // Rounding only, optional
  std::optional<Ident> per;       // Cap and Floor: `cap 200_000 USD per year`, a limit over a longer window
  std::optional<Ident> window;    // Settle only: `settle year_to_date against paid` (none: the period)
  Ident payments;                 // Settle only: the payments ledger
  std::vector<Ident> policy;      // OnNegative only: the words after `on negative` (`claw back`)
  Ident claims;                   // Claims only: a fund's claims ledger (`pay claims from coop_claims`)
  Span span;
};

// A rebate, or a fund (`fund NAME { accrue E  pay claims from L }`, docs/language.md §27): a fund is named,
// tested, explained and written like a rebate (one payout per partner and period: the claims it paid),
// so it is held as one, with its own two clauses.
struct Rebate {
  bool fund = false;
  Ident name;
  std::string title;
  std::vector<Clause> clauses;
  Span span;
  std::string doc;
};

struct AwardRow {
  ExprPtr when;  // null for `otherwise`
  ExprPtr value;
  Span span;
};

// An award, or a metric: `metric NAME: TYPE = E` is held as an award with the one row `otherwise => E`
// (a value for every partner and period, not paid), since it is checked, run and explained as one; it is
// written apart from the awards (docs/language.md §25).
struct Award {
  Ident name;
  TypeRef type;
  bool metric = false;
  bool next_period = false;
  std::string title;
  std::vector<AwardRow> rows;
  Span span;
  std::string doc;
};

struct Budget {
  Ident name;
  ExprPtr amount;
  std::optional<Ident> per;       // per quarter
  std::vector<Ident> rebates;     // empty: every rebate
  Span span;
  std::string doc;
};

struct TestGiven {
  Ident source;
  // `given sales from "fixtures/q3.csv"`: the fixture's path as written (relative to the program file),
  // and no columns or rows.
  std::optional<std::string> from;
  Span from_span;
  std::vector<Ident> columns;
  std::vector<std::vector<ExprPtr>> rows;
  std::vector<Span> row_spans;
  Span span;
};

struct TestExpect {
  Ident rebate;
  ExprPtr partner;
  ExprPtr period;
  ExprPtr amount;
  Span span;
};

struct Test {
  std::string title;
  std::vector<TestGiven> given;
  std::vector<TestExpect> expects;
  Span span;
};

// One parsed file.
struct Module {
  FileId file = kNoFile;
  std::vector<Import> imports;
  std::vector<Program> programs;  // more than one is an error the checker reports
  std::vector<Enum> enums;
  std::vector<Source> sources;
  std::vector<Calendar> calendars;
  std::vector<Const> consts;
  std::vector<Measure> measures;
  std::vector<Group> groups;
  std::vector<Tiers> tiers;
  std::vector<Decision> decisions;
  std::vector<Rebate> rebates;
  std::vector<Award> awards;
  std::vector<Budget> budgets;
  std::vector<Test> tests;
  uint32_t expr_count = 0;  // ids of this module's expressions are [first_expr_id, first_expr_id + expr_count)
  ExprId first_expr_id = 0;
};

}  // namespace rebate::ast

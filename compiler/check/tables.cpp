// Tier tables (sorted, contiguous, half-open bands of one unit) and decision tables (coverage and
// reachability of rows).
#include <fmt/format.h>

#include "check/checker_impl.h"
#include "check/literals.h"

namespace rebate::check {

std::string Checker::source_text(Span span) const {
  if (!span.valid() || span.file >= sources.size()) return {};
  const std::string& text = sources.file(span.file).text();
  if (span.end > text.size() || span.begin > span.end) return {};
  return text.substr(span.begin, span.end - span.begin);
}

// ---- tier tables ---------------------------------------------------------------------------------

void Checker::check_tiers() {
  for (const ast::Module* m : out->modules) {
    for (const auto& t : m->tiers) {
      const void* saved_user = current_user;
      current_user = &t;
      size_t errors_at_start = diags.all().size();
      TierInfo info;
      if (t.bands.empty()) {
        diags.report(DiagKind::TierEmpty, t.name.span, fmt::format("tier table `{}` has no band", t.name.name))
            .with_help("add bands: `from 0 USD to 100_000 USD: 2%`");
      }
      Scope constant{ScopeKind::Constant};
      constant.tier_bound = true;
      struct Bound {
        std::optional<Decimal> value;
        Span span;
      };
      std::vector<Bound> lowers, uppers;
      std::vector<std::optional<Decimal>> values;
      const ast::Expr* unit_origin = nullptr;
      const ast::Expr* pays_origin = nullptr;
      auto check_bound = [&](const ast::Expr& b) -> Bound {
        Value v = check_value(b, constant);
        if (v.type.is_error()) return Bound{std::nullopt, b.span};
        if (!(v.type.is_ratio() || v.type.kind == TypeKind::Money)) {
          diags.report(DiagKind::TypeMismatch, b.span, fmt::format("a band bound is an amount, a number or a percentage, not {}", to_string(v.type)));
          return Bound{std::nullopt, b.span};
        }
        if (!v.constant) {
          const Symbol* named = out->ref_of(b);
          if (named && named->kind == SymbolKind::Const) {
            // A constant whose value the checker cannot work out: a division by zero (W0005 points at it),
            // a result past 38 digits, a call.
            diags.report(DiagKind::TierBoundNotConstant, b.span,
                         fmt::format("a band bound must be a value known before the run, and `{}`'s is not", source_text(b.span)))
                .with_help(fmt::format("define `{}` from literals, other constants and + - * / (no division by zero): "
                                       "`const {} = 100_000 USD`",
                                       source_text(b.span), source_text(b.span)));
          } else {
            diags.report(DiagKind::TierBoundNotConstant, b.span, "a band bound must be a constant")
                .with_help("write a literal such as `100_000 USD`, or a `const`");
          }
          return Bound{std::nullopt, b.span};
        }
        if (!unit_origin) {
          unit_origin = &b;
          info.unit = v.type;
        } else if (!comparable(info.unit, v.type) || (info.unit.kind == TypeKind::Percent) != (v.type.kind == TypeKind::Percent)) {
          diags.report(DiagKind::TierMixedUnits, b.span,
                       fmt::format("this bound is {}, but the table's bands are measured in {}", to_string(v.type), to_string(info.unit)))
              .note(unit_origin->span, "the first bound sets the unit")
              .with_help("write every bound of a table in one unit");
          return Bound{std::nullopt, b.span};
        } else if (auto u = unify(info.unit, v.type)) {
          info.unit = *u;
        }
        return Bound{v.constant, b.span};
      };
      for (size_t i = 0; i < t.bands.size(); ++i) {
        const ast::TierBand& band = t.bands[i];
        lowers.push_back(check_bound(*band.lower));
        if (band.upper) {
          uppers.push_back(check_bound(*band.upper));
        } else {
          uppers.push_back(Bound{std::nullopt, band.span});
          if (i + 1 < t.bands.size()) {
            diags.report(DiagKind::TierOpenBandNotLast, band.span, "only the last band may be open-ended")
                .note(t.bands[i + 1].span, "a band follows")
                .with_help(fmt::format("end this band where the next starts: `to {}`", source_text(t.bands[i + 1].lower->span)));
          }
        }
        Scope paid = constant;
        paid.tier_bound = false;
        paid.tier_value = true;
        Value pv = check_value(*band.value, paid);
        values.push_back(pv.constant);
        if (pv.type.is_error()) continue;
        if (pv.type.kind != TypeKind::Percent && pv.type.kind != TypeKind::Money) {
          auto& d = diags.report(DiagKind::TypeMismatch, band.value->span,
                                 fmt::format("a band pays a percentage or a fixed amount, not {}", to_string(pv.type)));
          if (pv.type.is_number()) d.with_help(fmt::format("write `{}%` for a rate or `{}` for an amount", source_text(band.value->span), with_currency(*band.value, currency())));
          continue;
        }
        if (!pv.constant) {
          // A constant the checker cannot work out (a division by zero: W0005 points at it).
          diags.report(DiagKind::TierBoundNotConstant, band.value->span,
                       fmt::format("what a band pays must be known before the run, and `{}` is not", source_text(band.value->span)))
              .with_help("write a rate or an amount such as `2%` or `500 USD`, or a `const` that does not divide by zero");
          continue;
        }
        if (!pays_origin) {
          pays_origin = band.value.get();
          info.pays = pv.type;
        } else if (pv.type != info.pays) {
          diags.report(DiagKind::TierMixedValues, band.value->span,
                       fmt::format("this band pays {}, but the table's first band pays {}", to_string(pv.type), to_string(info.pays)))
              .note(pays_origin->span, "the first band's value")
              .with_help("every band of a table pays a rate, or every band a fixed amount");
        }
      }
      // Order, gaps and overlaps, with the boundaries known. The first problem ends the search: after a
      // band out of order, "gaps" and "cliffs" would only describe the mistake again.
      bool bands_ok = std::all_of(lowers.begin(), lowers.end(), [](const Bound& b) { return b.value.has_value(); });
      for (size_t i = 0; bands_ok && i < t.bands.size(); ++i) {
        const Bound& lo = lowers[i];
        const Bound& hi = uppers[i];
        if (lo.value && hi.value && Decimal::compare(*lo.value, *hi.value) >= 0) {
          diags.report(DiagKind::TierOutOfOrder, t.bands[i].span, "this band ends where it starts or before")
              .with_help(fmt::format("a band `from A to B` needs A below B; bands are half-open: [A, B)"));
          break;
        }
        if (i == 0) continue;
        const Bound& prev_lo = lowers[i - 1];
        const Bound& prev_hi = uppers[i - 1];
        if (!lo.value || !prev_lo.value) continue;
        if (Decimal::compare(*lo.value, *prev_lo.value) < 0) {
          diags.report(DiagKind::TierOutOfOrder, t.bands[i].span, "bands must be listed from the lowest to the highest")
              .with_label(fmt::format("starts at {}", source_text(t.bands[i].lower->span)))
              .note(t.bands[i - 1].span, fmt::format("the band before starts higher, at {}", source_text(t.bands[i - 1].lower->span)))
              .with_help("reorder the bands in ascending order");
          break;
        }
        if (!prev_hi.value) continue;
        int c = Decimal::compare(*lo.value, *prev_hi.value);
        std::string prev_end = source_text(t.bands[i - 1].upper->span);
        if (c > 0) {
          diags.report(DiagKind::TierGap, t.bands[i].lower->span,
                       fmt::format("gap between bands: values from {} up to {} reach no band", prev_end, source_text(t.bands[i].lower->span)))
              .note(t.bands[i - 1].upper->span, "the band before ends here")
              .with_help(fmt::format("start this band at `{}` (bands are half-open: the end of one is the start of the next)", prev_end))
              .with_fix(Fix{t.bands[i].lower->span, prev_end, fmt::format("start this band at `{}`", prev_end)});
        } else if (c < 0) {
          diags.report(DiagKind::TierOverlap, t.bands[i].lower->span,
                       fmt::format("bands overlap: values from {} up to {} are in two bands", source_text(t.bands[i].lower->span), prev_end))
              .note(t.bands[i - 1].upper->span, "the band before ends here")
              .with_help(fmt::format("start this band at `{}`: a value on a boundary belongs to the upper band", prev_end))
              .with_fix(Fix{t.bands[i].lower->span, prev_end, fmt::format("start this band at `{}`", prev_end)});
        }
      }
      // A retroactive table whose value drops: selling more pays less (only said of a well-formed table).
      bool table_ok = diags.all().size() == errors_at_start && !info.pays.is_error();
      if (t.mode == ast::TierMode::Retroactive && table_ok) {
        for (size_t i = 1; i < t.bands.size(); ++i) {
          if (!values[i] || !values[i - 1] || Decimal::compare(*values[i], *values[i - 1]) >= 0) continue;
          diags.report(DiagKind::TierCliff, t.bands[i].value->span,
                       fmt::format("the payout drops from {} to {} when the basis reaches {}: a partner who sells more is paid less",
                                   source_text(t.bands[i - 1].value->span), source_text(t.bands[i].value->span),
                                   source_text(t.bands[i].lower->span)))
              .note(t.bands[i - 1].value->span, "the band below pays more")
              .with_help("if this is intended, declare the table `incremental` or raise the rate; otherwise check the band values");
        }
      }
      tier_info[&t] = info;
      current_user = saved_user;
    }
  }
}

// ---- decision tables -----------------------------------------------------------------------------

void Checker::check_decisions() {
  for (const ast::Module* m : out->modules) {
    for (const auto& d : m->decisions) {
      ast::Expr use;
      use.span = d.name.span;
      decision_value(d, use);
    }
  }
}

Value Checker::decision_value(const ast::Decision& d, const ast::Expr& use) {
  State& state = decl_state[&d];
  if (state == State::Done) return decl_value[&d];
  if (state == State::InProgress) {
    diags.report(DiagKind::MeasureCycle, use.span, fmt::format("decision table `{}` depends on itself", d.name.name))
        .note(d.name.span, "defined here");
    return Value{};
  }
  if (definition_chain_too_deep(use, d.name.name)) return Value{};
  state = State::InProgress;
  const void* saved_user = current_user;
  current_user = &d;
  ++definition_depth;
  size_t errors_at_start = diags.all().size();  // coverage is only claimed for a well-formed table
  Type result = resolve_type(d.result);
  Scope scope{ScopeKind::PartnerPeriod};
  std::vector<Type> inputs;
  for (const auto& in : d.inputs) inputs.push_back(check_value(*in, scope).type);
  Scope constant{ScopeKind::Constant};
  for (const auto& row : d.rows) {
    if (!row.is_otherwise && row.patterns.size() != inputs.size()) {
      diags.report(DiagKind::DecisionArity, row.span,
                   fmt::format("this row has {} pattern{}, but the table decides by {} input{}", row.patterns.size(),
                               row.patterns.size() == 1 ? "" : "s", inputs.size(), inputs.size() == 1 ? "" : "s"))
          .with_help("write one pattern per input, separated by commas; `_` matches anything");
    }
    for (size_t j = 0; j < row.patterns.size() && j < inputs.size(); ++j) {
      const Type& in = inputs[j];
      for (const auto& alt : row.patterns[j].alternatives) {
        if (alt.kind == ast::PatternKind::Wildcard) continue;
        for (const ast::Expr* bound : {alt.value.get(), alt.upper.get()}) {
          if (!bound) continue;
          Value pv = check_value(*bound, constant, &in);
          if (pv.type.is_error() || in.is_error()) continue;
          bool ok = comparable(in, pv.type);
          bool ordered = in.kind != TypeKind::Bool && in.kind != TypeKind::Text;
          if (ok && (alt.kind == ast::PatternKind::Range || alt.kind == ast::PatternKind::Compare) && !ordered &&
              alt.compare != ast::Op::Ne) {
            diags.report(DiagKind::InvalidPattern, alt.span, fmt::format("{} values have no order", to_string(in)))
                .with_help("match them by value, with `|` between alternatives");
          } else if (!ok) {
            bool money_number = in.kind == TypeKind::Money && pv.type.is_number();
            auto& diag = diags.report(DiagKind::InvalidPattern, bound->span,
                                      fmt::format("this input is {}, and the pattern is {}", to_string(in), to_string(pv.type)))
                             .note(d.inputs[j]->span, "the input");
            if (money_number) diag.with_help(fmt::format("write `{}`", with_currency(*bound, in.currency)))
                .with_fix(currency_fix(*bound, in.currency));
          }
        }
      }
    }
    Value rv = check_value(*row.value, scope, &result);
    if (!rv.type.is_error() && !result.is_error() && rv.type != result &&
        !(result.kind == TypeKind::Decimal && rv.type.is_number())) {
      bool money_number = result.kind == TypeKind::Money && rv.type.is_number();
      auto& diag = diags.report(money_number ? DiagKind::MoneyPlusNumber : DiagKind::TypeMismatch, row.value->span,
                                fmt::format("the table gives {}, and this row gives {}", to_string(result), to_string(rv.type)));
      if (money_number) diag.with_help(fmt::format("write `{}`", with_currency(*row.value, result.currency)))
          .with_fix(currency_fix(*row.value, result.currency));
      if (result.kind == TypeKind::Percent && rv.type.is_number()) diag.with_help(fmt::format("write `{}%`", source_text(row.value->span)));
    }
  }
  if (diags.all().size() == errors_at_start) check_decision_coverage(d, inputs);
  current_user = saved_user;
  --definition_depth;
  Value v{result};
  decl_value[&d] = v;
  decl_state[&d] = State::Done;
  return v;
}

namespace {

// One input's domain cut into finitely many regions, such that every pattern matches a region
// entirely or not at all. Numbers, amounts and dates are cut at the points the patterns mention.
struct Region {
  enum Kind { Point, Below, Between, Above, Member, Other } kind;
  std::optional<Decimal> lo, hi;  // Point: lo; Below: hi; Between: lo, hi; Above: lo
  uint32_t member = 0;            // Member: enum member index or 0/1 for Bool
  std::string text;               // Point on text; Member name
};

// The number of a period's first month counted from year 0 (2026-Q2: 2026 x 12 + 3), on the calendar
// or fiscal grid alike (a fiscal year has twelve fiscal months too).
int64_t period_first_month(const PeriodValue& p) {
  const int64_t year = static_cast<int64_t>(p.year) * 12;
  switch (p.grain) {
    case PeriodGrain::Month: return year + p.index - 1;
    case PeriodGrain::Quarter: return year + (p.index - 1) * 3;
    case PeriodGrain::Half: return year + (p.index - 1) * 6;
    case PeriodGrain::Year: return year;
  }
  return year;
}

// The months of one period of the program's grain: the `period` input only ever starts at a multiple.
int64_t months_per_period(PeriodGrain g) {
  switch (g) {
    case PeriodGrain::Month: return 1;
    case PeriodGrain::Quarter: return 3;
    case PeriodGrain::Half: return 6;
    case PeriodGrain::Year: return 12;
  }
  return 3;
}

// A period of `step` months back as a label: 2026 x 12 + 3 with step 3 is `2026-Q2`.
std::string period_label(int64_t month, int64_t step) {
  const int64_t year = month >= 0 ? month / 12 : -((-month + 11) / 12);
  const int64_t in_year = month - year * 12;
  switch (step) {
    case 1: return fmt::format("{:04}-{:02}", year, in_year + 1);
    case 3: return fmt::format("{:04}-Q{}", year, in_year / 3 + 1);
    case 6: return fmt::format("{:04}-H{}", year, in_year / 6 + 1);
    default: return fmt::format("{:04}", year);
  }
}

std::optional<Decimal> pattern_constant(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::Int:
    case ast::ExprKind::Decimal:
    case ast::ExprKind::Quantity:
    case ast::ExprKind::Percent:
      return literal_value(e);
    case ast::ExprKind::Date:
      if (auto day = parse_date(e.text)) return Decimal::from_int(*day);
      return std::nullopt;
    case ast::ExprKind::Period:
      // Periods compare by their first day, which is a month's start whatever the grain, and under a
      // fiscal calendar a fiscal month's: a period literal is the number of its first (fiscal) month.
      if (auto p = parse_period(e.text)) return Decimal::from_int(period_first_month(*p));
      return std::nullopt;
    case ast::ExprKind::Unary:
      if (e.op == ast::Op::Neg) {
        if (auto d = pattern_constant(e.arg(0))) return d->negated();
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

}  // namespace

void Checker::check_decision_coverage(const ast::Decision& d, const std::vector<Type>& inputs) {
  for (const Type& t : inputs) {
    if (t.is_error()) return;  // already reported; coverage would only add noise
  }
  enum class DomainKind { Enum, Bool, Ordered, Discrete, Text };
  std::vector<std::vector<Region>> domains;
  std::vector<DomainKind> kinds;
  for (size_t j = 0; j < inputs.size(); ++j) {
    const Type& t = inputs[j];
    std::vector<Region> regions;
    if (t.kind == TypeKind::Enum) {
      for (uint32_t i = 0; i < t.enum_decl()->members.size(); ++i) {
        regions.push_back(Region{Region::Member, {}, {}, i, t.enum_decl()->members[i].name});
      }
      kinds.push_back(DomainKind::Enum);
    } else if (t.kind == TypeKind::Bool) {
      regions.push_back(Region{Region::Member, {}, {}, 0, "false"});
      regions.push_back(Region{Region::Member, {}, {}, 1, "true"});
      kinds.push_back(DomainKind::Bool);
    } else if (t.kind == TypeKind::Text) {
      std::set<std::string> points;
      for (const auto& row : d.rows) {
        if (j >= row.patterns.size()) continue;
        for (const auto& alt : row.patterns[j].alternatives) {
          if (alt.kind == ast::PatternKind::Equals && alt.value) points.insert(alt.value->text);
        }
      }
      for (const auto& p : points) regions.push_back(Region{Region::Point, {}, {}, 0, p});
      regions.push_back(Region{Region::Other, {}, {}, 0, "any other text"});
      kinds.push_back(DomainKind::Text);
    } else {
      std::vector<Decimal> points;
      for (const auto& row : d.rows) {
        if (j >= row.patterns.size()) continue;
        for (const auto& alt : row.patterns[j].alternatives) {
          for (const ast::Expr* b : {alt.value.get(), alt.upper.get()}) {
            if (!b) continue;
            auto c = pattern_constant(*b);
            if (!c) return;  // a non-literal pattern: coverage cannot be decided, and is not claimed
            points.push_back(*c);
          }
        }
      }
      std::sort(points.begin(), points.end());
      points.erase(std::unique(points.begin(), points.end()), points.end());
      // Whole numbers and days are discrete; so are periods, as first months that are multiples of the
      // program's months per period (a quarterly program's `period` is never 2026-05, so a row for it
      // names no value, and no quarter lies between 2026-Q1 and 2026-04).
      const bool discrete = t.kind == TypeKind::Int || t.kind == TypeKind::Date || t.kind == TypeKind::Period;
      const int64_t step = t.kind == TypeKind::Period ? months_per_period(out->settings.grain) : 1;
      auto is_value = [&](const Decimal& v) { return step == 1 || v.coefficient() % step == 0; };
      auto gap_nonempty = [&](const Decimal& a, const Decimal& b) {
        if (!discrete) return true;
        if (t.kind != TypeKind::Period) {
          auto next = Decimal::add(a, Decimal::from_int(1));
          return next && Decimal::compare(*next, b) < 0;
        }
        // The first period after a: the next multiple of step (points are whole months).
        const auto c = static_cast<int64_t>(a.coefficient());
        return Decimal::compare(Decimal::from_int(c - (c % step + step) % step + step), b) < 0;
      };
      if (points.empty()) {
        regions.push_back(Region{Region::Other, {}, {}, 0, "any value"});
      } else {
        regions.push_back(Region{Region::Below, {}, points.front(), 0, {}});
        for (size_t i = 0; i < points.size(); ++i) {
          if (is_value(points[i])) regions.push_back(Region{Region::Point, points[i], {}, 0, {}});
          if (i + 1 < points.size() && gap_nonempty(points[i], points[i + 1])) {
            regions.push_back(Region{Region::Between, points[i], points[i + 1], 0, {}});
          }
        }
        regions.push_back(Region{Region::Above, points.back(), {}, 0, {}});
      }
      kinds.push_back(discrete ? DomainKind::Discrete : DomainKind::Ordered);
    }
    domains.push_back(std::move(regions));
  }

  auto describe_region = [&](size_t j, const Region& r) -> std::string {
    const Type& t = inputs[j];
    auto show = [&](const Decimal& v) {
      if (t.kind == TypeKind::Date) {
        auto n = v.coefficient();
        return format_date(static_cast<DayNumber>(n));
      }
      if (t.kind == TypeKind::Period) return period_label(static_cast<int64_t>(v.coefficient()), months_per_period(out->settings.grain));
      if (t.kind == TypeKind::Money) return v.to_string() + " " + t.currency;
      if (t.kind == TypeKind::Percent) return (Decimal::mul(v, Decimal::from_int(100)).value_or(v)).to_string() + "%";
      return v.to_string();
    };
    switch (r.kind) {
      case Region::Point: return r.lo ? show(*r.lo) : r.text;
      case Region::Below: return "below " + show(*r.hi);
      case Region::Between:
        if (kinds[j] == DomainKind::Discrete) {  // whole numbers, days and periods: name the values in the gap
          Decimal first = *Decimal::add(*r.lo, Decimal::from_int(1));
          Decimal last = *Decimal::sub(*r.hi, Decimal::from_int(1));
          if (t.kind == TypeKind::Period) {  // the first and last period of the gap
            const int64_t step = months_per_period(out->settings.grain);
            const auto lo = static_cast<int64_t>(r.lo->coefficient()), hi = static_cast<int64_t>(r.hi->coefficient());
            first = Decimal::from_int(lo - (lo % step + step) % step + step);
            last = Decimal::from_int(hi - 1 - ((hi - 1) % step + step) % step);
          }
          return first == last ? show(first) : "from " + show(first) + " to " + show(last);
        }
        return "between " + show(*r.lo) + " and " + show(*r.hi);
      case Region::Above: return "above " + show(*r.lo);
      case Region::Member: return r.text;
      case Region::Other: return r.text;
    }
    return "?";
  };

  auto alt_matches = [&](size_t j, const ast::PatternAlt& alt, const Region& r) -> bool {
    if (alt.kind == ast::PatternKind::Wildcard) return true;
    DomainKind k = kinds[j];
    if (k == DomainKind::Enum || k == DomainKind::Bool) {
      uint32_t member = 0;
      if (k == DomainKind::Bool) {
        member = alt.value && alt.value->text == "true" ? 1 : 0;
      } else {
        const Symbol* s = alt.value ? out->ref_of(*alt.value) : nullptr;
        if (!s || s->kind != SymbolKind::EnumMember) return false;
        member = s->index;
      }
      uint32_t upper = member;
      if (alt.kind == ast::PatternKind::Range) {
        const Symbol* s = alt.upper ? out->ref_of(*alt.upper) : nullptr;
        if (!s || s->kind != SymbolKind::EnumMember) return false;
        upper = s->index;
      }
      switch (alt.kind) {
        case ast::PatternKind::Equals: return r.member == member;
        case ast::PatternKind::Range: return r.member >= member && r.member <= upper;
        case ast::PatternKind::Compare:
          switch (alt.compare) {
            case ast::Op::Lt: return r.member < member;
            case ast::Op::Le: return r.member <= member;
            case ast::Op::Gt: return r.member > member;
            case ast::Op::Ge: return r.member >= member;
            case ast::Op::Ne: return r.member != member;
            default: return false;
          }
        case ast::PatternKind::Wildcard: return true;
      }
      return false;
    }
    if (k == DomainKind::Text) {
      if (alt.kind == ast::PatternKind::Equals) return r.kind == Region::Point && alt.value && r.text == alt.value->text;
      if (alt.kind == ast::PatternKind::Compare && alt.compare == ast::Op::Ne) return !(r.kind == Region::Point && alt.value && r.text == alt.value->text);
      return false;
    }
    // Ordered: each region lies entirely on one side of every point.
    auto v = alt.value ? pattern_constant(*alt.value) : std::nullopt;
    if (!v) return false;
    // -1: region below v, 0: region is v, 1: region above v.
    auto side = [&](const Decimal& p) {
      switch (r.kind) {
        case Region::Point: return Decimal::compare(*r.lo, p);
        case Region::Below: return Decimal::compare(*r.hi, p) <= 0 ? -1 : 1;
        case Region::Between: return Decimal::compare(*r.hi, p) <= 0 ? -1 : 1;
        case Region::Above: return Decimal::compare(*r.lo, p) >= 0 ? 1 : -1;
        case Region::Member: case Region::Other: return 2;
      }
      return 2;
    };
    int s = side(*v);
    switch (alt.kind) {
      case ast::PatternKind::Equals: return s == 0;
      case ast::PatternKind::Range: {
        auto u = alt.upper ? pattern_constant(*alt.upper) : std::nullopt;
        return u && s >= 0 && side(*u) <= 0 && s != 2;
      }
      case ast::PatternKind::Compare:
        switch (alt.compare) {
          case ast::Op::Lt: return s == -1;
          case ast::Op::Le: return s <= 0;
          case ast::Op::Gt: return s == 1;
          case ast::Op::Ge: return s >= 0 && s != 2;
          case ast::Op::Ne: return s != 0;
          default: return false;
        }
      case ast::PatternKind::Wildcard: return true;
    }
    return false;
  };

  auto row_matches = [&](const ast::DecisionRow& row, const std::vector<size_t>& combo) {
    if (row.is_otherwise) return true;
    if (row.patterns.size() != combo.size()) return false;
    for (size_t j = 0; j < combo.size(); ++j) {
      const Region& r = domains[j][combo[j]];
      bool any = false;
      for (const auto& alt : row.patterns[j].alternatives) any = any || alt_matches(j, alt, r);
      if (!any) return false;
    }
    return true;
  };

  size_t total = 1;
  for (const auto& dom : domains) {
    total *= std::max<size_t>(1, dom.size());
    if (total > 200000) return;  // too many combinations to enumerate; no claim is made
  }
  std::vector<bool> reachable(d.rows.size(), false);
  std::vector<std::string> uncovered;
  size_t uncovered_count = 0;
  std::vector<size_t> combo(domains.size(), 0);
  for (size_t n = 0; n < total; ++n) {
    size_t rest = n;
    for (size_t j = domains.size(); j-- > 0;) {
      combo[j] = rest % domains[j].size();
      rest /= domains[j].size();
    }
    bool matched = false;
    for (size_t r = 0; r < d.rows.size(); ++r) {
      if (row_matches(d.rows[r], combo)) {
        reachable[r] = true;
        matched = true;
        break;
      }
    }
    if (!matched) {
      ++uncovered_count;
      if (uncovered.size() < 3) {
        std::string s;
        for (size_t j = 0; j < combo.size(); ++j) s += (j ? ", " : "") + describe_region(j, domains[j][combo[j]]);
        uncovered.push_back("`" + s + "`");
      }
    }
  }
  if (uncovered_count > 0) {
    std::string list;
    for (size_t i = 0; i < uncovered.size(); ++i) list += (i ? "; " : "") + uncovered[i];
    if (uncovered_count > uncovered.size()) list += fmt::format(" and {} more", uncovered_count - uncovered.size());
    diags.report(DiagKind::DecisionUncovered, d.name.span, fmt::format("no row of `{}` covers {}", d.name.name, list))
        .with_help("add rows for these inputs, or an `otherwise => ...` row at the end");
  }
  for (size_t r = 0; r < d.rows.size(); ++r) {
    if (reachable[r]) continue;
    diags.report(DiagKind::UnreachableRow, d.rows[r].span, "this row is never used: earlier rows match every input it matches")
        .with_help("remove it, or move it above the rows that catch its inputs");
  }
}

}  // namespace rebate::check

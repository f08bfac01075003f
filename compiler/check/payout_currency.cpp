// Paying in the partner's currency (docs/language.md §24): the header's `payout_currency: EUR` (the whole
// program) or `payout_currency: partner.COLUMN` (a `Currency` column of the partner table, per partner), and
// `payout_fx: period_end | period_average`, the rate the final payout is converted at. The conversion reads
// the FX table (E0534 without one); a value that names no currency or no such column is E0535; a
// `payout_fx` that is no rate of the period, or one without a payout currency, is E0536.
#include <fmt/format.h>

#include "check/checker_impl.h"
#include "check/suggest.h"
#include "core/currency.h"

namespace rebate::check {

namespace {

const std::vector<std::string> kPayoutDays = {"period_end", "period_average"};

}  // namespace

void Checker::check_payout_currency() {
  ProgramSettings& s = out->settings;
  const ast::Expr* fx = s.payout_fx_value;
  if (fx) {
    const bool known = fx->kind == ast::ExprKind::Name && (fx->text == "period_end" || fx->text == "period_average");
    if (!known) {
      auto& d = diags.report(DiagKind::InvalidPayoutFx, fx->span,
                             fmt::format("`{}` is not a rate of the paid period", source_text(fx->span)));
      std::optional<std::string> guess = fx->kind == ast::ExprKind::Name ? closest(fx->text, kPayoutDays) : std::nullopt;
      if (guess) d.with_help(fmt::format("did you mean `{}`?", *guess));
      else d.with_help("write `payout_fx: period_end` (the rate in force on the period's last day) or `payout_fx: period_average`");
    } else if (!s.payout_currency_value) {
      diags.report(DiagKind::InvalidPayoutFx, fx->span, "`payout_fx` says at which rate payouts are converted, and the program has no `payout_currency`")
          .with_help("say the currency paid in too: `payout_currency: partner.payout_currency` (a `Currency` column of the partner table) or "
                     "`payout_currency: EUR`");
    }
    s.payout_at_average = known && fx->text == "period_average";
  }
  const ast::Expr* v = s.payout_currency_value;
  if (!v) return;

  if (v->kind == ast::ExprKind::Name && is_currency_code(v->text)) {
    s.payout_currency = v->text;
  } else if (v->kind == ast::ExprKind::Member && v->arg(0).kind == ast::ExprKind::Name && v->arg(0).text == "partner") {
    const std::string& column = v->text;
    if (!out->partner_table) {
      diags.report(DiagKind::InvalidPayoutCurrency, v->span, fmt::format("`partner.{}` reads the partner table, and the program declares none", column))
          .with_help("declare one with a `Currency` column: `partner table partners { id: Text as key  payout_currency: Currency }`, or pay "
                     "every partner in one currency: `payout_currency: EUR`");
      return;
    }
    const ast::Source& table = *out->partner_table;
    const ast::Column* found = nullptr;
    uint32_t index = 0;
    for (uint32_t i = 0; i < table.columns.size(); ++i) {
      if (table.columns[i].name.name == column) found = &table.columns[i], index = i;
    }
    if (!found) {
      std::vector<std::string> currencies;
      for (const ast::Column& c : table.columns) {
        if (c.type.name.name == "Currency") currencies.push_back(c.name.name);
      }
      auto& d = diags.report(DiagKind::InvalidPayoutCurrency, v->span,
                             fmt::format("the partner table `{}` has no column `{}`", table.name.name, column));
      if (auto guess = closest(column, currencies)) d.with_help(fmt::format("did you mean `partner.{}`?", *guess));
      else d.with_help(fmt::format("add a `Currency` column to `{}`: `{}: Currency`", table.name.name, column));
      return;
    }
    if (found->type.name.name != "Currency" || found->type.optional) {
      diags.report(DiagKind::InvalidPayoutCurrency, v->span,
                   found->type.optional
                       ? fmt::format("`{}` may be empty, and every partner must be paid in some currency", column)
                       : fmt::format("`{}` is a `{}` column, not a currency", column, source_text(found->type.span)))
          .note(found->span, "declared here")
          .with_help(found->type.optional ? "remove the `?`: every partner row names its payout currency"
                                          : fmt::format("declare it `{}: Currency` (ISO 4217 codes such as `EUR`)", column));
      return;
    }
    s.payout_currency_column = index;
    used.insert(out->partner_table);
  } else {
    std::string upper = source_text(v->span);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto& d = diags.report(DiagKind::InvalidPayoutCurrency, v->span,
                           fmt::format("`{}` is neither a currency code nor a column of the partner table", source_text(v->span)));
    if (v->kind == ast::ExprKind::Name && is_currency_code(upper)) d.with_help(fmt::format("write `{}`", upper));
    else d.with_help("write a code, `payout_currency: EUR`, or the partner table's `Currency` column, `payout_currency: partner.payout_currency`");
    return;
  }

  if (!out->fx_table) {
    diags.report(DiagKind::PayoutCurrencyWithoutFx, v->span, "payouts are converted from the program's currency, and the program declares no FX table")
        .with_help("declare one: `fx table rates { base: Currency as base  quote: Currency as quote  day: Date as date  rate: Decimal as rate }`");
  } else {
    used.insert(out->fx_table);
  }
}

}  // namespace rebate::check

// The batch driver: the cells of every period evaluated a batch of partners at a time on the
// evaluation threads (each thread a `CellEvaluator`, cell_evaluator.h), a budget's first look at the
// period, budgets applied, totals added up, the adjustments laid out after their cells' payouts, and
// each batch converted into the payout currencies and handed to the sink.
//
// Cells are independent of one another: they read the scan's aggregates and write only their own
// payouts and awards. So partners are evaluated on several threads (evaluate_parallel.cpp), each cell's
// payouts written straight to their place in the results; the program-wide steps (budgets, totals) then
// run period by period on one thread, as before.
#include <fmt/format.h>

#include <algorithm>

#include "engine/budgets.h"
#include "engine/cell_evaluator.h"
#include "engine/evaluate_parallel.h"
#include "engine/payout_currency.h"
#include "engine/report.h"
#include "engine/state.h"

namespace rebate::engine {

namespace {

// What a batch is made in, reused from one batch to the next: after the first batches no payout,
// explanation or text is allocated again but for what grows (a longer explanation, a longer id).
struct BatchMemory {
  std::vector<Payout> payouts;             // cells x per_cell
  std::vector<std::string> partner_names;  // by cell (a TextRef holds its address: sized once, never moved)
  std::vector<TextRef> partners;           // by cell
  std::vector<std::string> display_names;  // by cell: the partner table's `name` (when it has one)
  std::vector<TextRef> displays;           // by cell
  std::vector<Decimal> totals;             // by cell
  std::vector<uint32_t> award_count;       // by cell
  std::vector<uint32_t> award_begin;       // by cell, and one past
  std::vector<AwardValue> awards;          // the batch's, in cell order
  std::vector<std::vector<AwardValue>> of_thread;  // by thread: its cells' awards, in cell order
  // Adjustments (closed periods): by thread, its cells' in cell order; by cell, how many; and when a
  // batch has some, its payouts laid out again with each cell's adjustments after its payouts.
  std::vector<std::vector<Payout>> adjustments_of_thread;
  std::vector<uint32_t> adjustment_count;
  std::vector<Payout> laid_out;
  std::vector<uint32_t> payout_begin;
};

// A cell's total: its payouts, one per rebate, side by side, and its adjustments (`extra` of them).
Decimal cell_total(const Payout* payouts, size_t per_cell, const Payout* extra = nullptr, size_t extras = 0) {
  Decimal sum;
  for (size_t k = 0; k < per_cell + extras; ++k) {
    std::optional<Decimal> next = Decimal::add(sum, (k < per_cell ? payouts[k] : extra[k - per_cell]).amount());
    // A total past 38 digits: an error, never a total without one of its payouts.
    if (!next) throw vm::EvalError("arithmetic overflow adding up the partner's total", UINT32_MAX, std::string(payouts[0].partner));
    sum = *next;
  }
  return sum;
}

}  // namespace

std::vector<std::vector<std::string>> band_texts(const plan::Plan& plan) {
  std::vector<std::vector<std::string>> texts;
  for (const plan::Tiers& t : plan.tiers) {
    std::vector<std::string>& bands = texts.emplace_back();
    for (const plan::TierBand& b : t.bands) {
      bands.push_back(digits_grouped(b.upper ? fmt::format("from {} to {}", b.lower_text, b.upper_text) : fmt::format("from {}", b.lower_text)));
    }
  }
  return texts;
}

void PayoutCollector::batch(const PayoutBatch& b) {
  TextStore& store = *into_.texts;
  auto keep = [&store](TextRef t) { return t.empty() ? TextRef() : TextRef(store.keep(t.view())); };
  into_.payouts.reserve(into_.payouts.size() + b.payout_count());
  for (size_t i = 0; i < b.payout_count(); ++i) {
    Payout p = b.payouts[i];
    for (TextRef* t : {&p.partner, &p.period, &p.rebate, &p.title, &p.status, &p.reason, &p.band, &p.corrects}) *t = keep(*t);
    if (p.explanation) p.explanation = std::make_shared<Explanation>(*p.explanation);  // the batch's is reused
    into_.payouts.push_back(std::move(p));
  }
  if (b.per_cell) {
    for (size_t c = 0; c < b.cells; ++c) into_.totals.push_back(Total{std::string(b.partners[c]), std::string(b.period_label), b.totals[c]});
  }
  into_.awards.insert(into_.awards.end(), b.awards, b.awards + b.award_count());
  if (b.paid) into_.paid.insert(into_.paid.end(), b.paid, b.paid + b.payout_count());
  if (b.paid_totals && b.per_cell) into_.paid_totals.insert(into_.paid_totals.end(), b.paid_totals, b.paid_totals + b.cells);
}

// Period by period, the period's partners a batch at a time: each batch's cells evaluated on the
// evaluation threads (each thread a contiguous range of them), its budgets applied, its totals added
// up, and the batch handed to the sink. Memory: one batch, whatever the number of partners.
void evaluate(State& s, PayoutSink& sink) {
  const plan::Plan& plan = s.plan;
  std::vector<RebateFacts> rebates;
  for (const plan::Rebate& pr : plan.rebates) rebates.push_back(rebate_facts(pr));
  std::vector<std::string> labels;
  for (PeriodIndex period : s.run_periods) labels.push_back(s.periods.label(period));
  const PayoutTexts texts = payout_texts(s, labels);

  const size_t partners = s.partner_ids.size(), periods = s.run_periods.size(), per_cell = plan.rebates.size();
  const size_t threads = evaluation_threads(partners, s.options.threads);
  const size_t batch_partners = std::max<size_t>(
      1, std::min(partners, s.options.batch_partners ? s.options.batch_partners : kBatchPayouts / std::max<size_t>(1, per_cell)));
  const bool budgeted = !plan.budgets.empty() && per_cell > 0;
  std::vector<CellEvaluator> full, lite;  // by thread; lite: a budget's first look, amounts only
  full.reserve(threads);
  for (size_t t = 0; t < threads; ++t) full.emplace_back(s, rebates, texts);
  if (budgeted) {
    lite.reserve(threads);
    for (size_t t = 0; t < threads; ++t) lite.emplace_back(s, rebates, texts, false);
  }
  PeriodBudgets budgets(s);
  PayoutConversion paying(s);  // into the currency each partner is paid in, after budgets and settlement
  // Closed periods: the first period the run pays carries the adjustments (closing.h).
  const Adjustments adjustments = s.closing && !s.run_periods.empty() ? Adjustments(s, s.run_periods.front(), *s.result.texts) : Adjustments();

  BatchMemory m;
  m.payouts.resize(std::min(partners, batch_partners) * per_cell);
  m.partner_names.resize(std::min(partners, batch_partners));
  m.partners.resize(m.partner_names.size());
  // A statement names the partner: the partner table's `name` column, when it has a text one.
  uint32_t name_column = UINT32_MAX;
  if (plan.partner_table != UINT32_MAX) {
    const auto& columns = plan.inputs[plan.partner_table].spec.columns;
    for (uint32_t c = 0; c < columns.size(); ++c) {
      if (columns[c].name == "name" && columns[c].kind == ledger::ColumnKind::Text) name_column = c;
    }
  }
  if (name_column != UINT32_MAX) {
    m.display_names.resize(m.partner_names.size());
    m.displays.resize(m.partner_names.size());
  }
  m.totals.resize(m.partner_names.size());
  m.award_count.resize(m.partner_names.size());
  m.award_begin.resize(m.partner_names.size() + 1);
  m.of_thread.resize(threads);
  m.adjustments_of_thread.resize(threads);
  m.adjustment_count.assign(m.partner_names.size(), 0);
  m.payout_begin.resize(m.partner_names.size() + 1);

  std::vector<uint32_t> of_period;  // the period's partners: all of them, or those with a row in force (§28)
  // Cells [first, first + cells) of of_period in period p evaluated into the batch's memory; with `totals`, each
  // cell's total worked out by the thread that made it (its payouts are final).
  auto evaluate_cells = [&](std::vector<CellEvaluator>& evaluators, size_t p, uint32_t first, size_t cells, bool totals) {
    for (size_t c = 0; c < cells; ++c) {
      m.partner_names[c].assign(s.pool.text(s.partner_ids[of_period[first + c]]));
      m.partners[c] = TextRef(m.partner_names[c]);
      if (name_column != UINT32_MAX) {
        const uint32_t row = s.partner_row_in(of_period[first + c], s.run_periods[p]);
        const Value v = row == UINT32_MAX ? Value::missing() : s.cell_value(plan.partner_table, name_column, row);
        m.display_names[c].assign(v.none ? std::string_view() : s.pool.text(static_cast<uint32_t>(v.coef)));
        m.displays[c] = TextRef(m.display_names[c]);
      }
    }
    for (std::vector<AwardValue>& a : m.of_thread) a.clear();
    for (std::vector<Payout>& a : m.adjustments_of_thread) a.clear();
    const bool carries = p == 0 && !adjustments.empty();
    for_each_cell(1, cells, threads, [&](size_t thread, size_t, uint32_t c) {
      Payout* payouts = m.payouts.data() + c * per_cell;  // (no payouts at all in an award-only program)
      std::vector<AwardValue>& awards = m.of_thread[thread];
      const size_t before = awards.size();
      evaluators[thread].evaluate(p, labels[p], of_period[first + c], m.partners[c], payouts, awards);
      m.award_count[c] = static_cast<uint32_t>(awards.size() - before);
      std::vector<Payout>& adjusted = m.adjustments_of_thread[thread];
      const size_t adjusted_before = adjusted.size();
      if (carries) evaluators[thread].adjust(p, of_period[first + c], m.partners[c], adjustments, adjusted);
      m.adjustment_count[c] = static_cast<uint32_t>(adjusted.size() - adjusted_before);
      if (totals && per_cell) m.totals[c] = cell_total(payouts, per_cell, adjusted.data() + adjusted_before, m.adjustment_count[c]);
    });
  };

  for (size_t p = 0; p < periods; ++p) {
    if (p == 0 || s.history.on()) of_period = partners_of_period(s, s.run_periods[p]);
    const size_t paid = of_period.size();
    // A budget's first look at the period. Should it fail, the second evaluation, which does all the
    // first did and more in the same order, meets the sequentially first runtime error of the period.
    std::exception_ptr first_look_failed;
    if (budgeted) {
      budgets.clear();
      try {
        for (size_t first = 0; first < paid; first += batch_partners) {
          const size_t cells = std::min(batch_partners, paid - first);
          evaluate_cells(lite, p, static_cast<uint32_t>(first), cells, false);
          budgets.keep(m.payouts.data(), cells * per_cell);
        }
        budgets.decide();
      } catch (const vm::EvalError&) {
        first_look_failed = std::current_exception();
      }
    }
    for (size_t first = 0; first < paid; first += batch_partners) {
      const size_t cells = std::min(batch_partners, paid - first);
      evaluate_cells(full, p, static_cast<uint32_t>(first), cells, !budgeted);
      if (budgeted) {
        if (!first_look_failed) budgets.apply(m.payouts.data(), cells * per_cell);
        for (size_t c = 0; c < cells; ++c) m.totals[c] = cell_total(m.payouts.data() + c * per_cell, per_cell);
      }
      // Threads hold contiguous ranges of cells in order, so their awards, one after the other, are in
      // cell order.
      m.awards.clear();
      for (std::vector<AwardValue>& of_thread : m.of_thread) {
        for (AwardValue& a : of_thread) m.awards.push_back(std::move(a));
      }
      m.award_begin[0] = 0;
      for (size_t c = 0; c < cells; ++c) m.award_begin[c + 1] = m.award_begin[c] + m.award_count[c];
      // Cells with adjustments: each cell's payouts, then its adjustments (the threads' in cell order).
      m.laid_out.clear();
      size_t adjusted = 0;
      for (size_t c = 0; c < cells; ++c) adjusted += m.adjustment_count[c];
      if (adjusted) {
        s.result.summary.adjustments += adjusted;
        auto from_thread = m.adjustments_of_thread.begin();
        size_t next = 0;
        m.laid_out.reserve(cells * per_cell + adjusted);
        for (size_t c = 0; c < cells; ++c) {
          m.payout_begin[c] = static_cast<uint32_t>(m.laid_out.size());
          m.laid_out.insert(m.laid_out.end(), m.payouts.begin() + static_cast<std::ptrdiff_t>(c * per_cell),
                            m.payouts.begin() + static_cast<std::ptrdiff_t>((c + 1) * per_cell));
          for (uint32_t k = 0; k < m.adjustment_count[c]; ++k) {
            while (next == from_thread->size()) ++from_thread, next = 0;
            m.laid_out.push_back(std::move((*from_thread)[next++]));
          }
        }
        m.payout_begin[cells] = static_cast<uint32_t>(m.laid_out.size());
      }
      PayoutBatch b;
      b.period = p;
      b.period_label = labels[p];
      b.first_partner = static_cast<uint32_t>(first);
      b.partner_index = of_period.data() + first;
      b.cells = cells;
      b.per_cell = per_cell;
      b.partners = m.partners.data();
      b.partner_names = m.displays.empty() ? nullptr : m.displays.data();
      b.payouts = adjusted ? m.laid_out.data() : m.payouts.data();
      b.payout_begin = adjusted ? m.payout_begin.data() : nullptr;
      b.totals = m.totals.data();
      b.awards = m.awards.data();
      b.award_begin = m.award_begin.data();
      paying.apply(b, adjusted ? m.laid_out.data() : m.payouts.data(), s.run_periods[p]);
      sink.batch(b);
      m.laid_out.clear();  // (the payouts' explanations are reused by the next batch when nothing else holds them)
    }
    if (first_look_failed) std::rethrow_exception(first_look_failed);  // not reached: the second failed too
  }
  if (!s.options.forecast || &sink != s.options.forecast->to_date) paying.add_note(s.result.summary);  // once a run
  if (s.options.coverage) {
    for (const CellEvaluator& e : full) *s.options.coverage += *e.coverage();
  }
}

}  // namespace rebate::engine

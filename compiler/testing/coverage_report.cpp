// What a program's tests reached, as text, JSON and LCOV; see coverage_report.h.
#include "testing/coverage_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

namespace rebate::testing {

namespace {

// The declarations' source: places and one-line texts of spans.
class Places {
 public:
  explicit Places(const SourceMap& sources) : sources_(sources) {}

  void place(CoverageItem& item, Span span) const {
    if (!span.valid() || span.file >= sources_.size()) return;
    const SourceFile& f = sources_.file(span.file);
    const LineCol lc = f.line_col(span.begin);
    item.file = f.path();
    item.line = lc.line;
    item.column = lc.column;
  }

  // The span's text on one line: spaces collapsed, cut at 80 characters.
  std::string text(Span span) const {
    if (!span.valid() || span.file >= sources_.size()) return "";
    const std::string& all = sources_.file(span.file).text();
    if (span.begin > span.end || span.end > all.size()) return "";
    std::string out;
    for (size_t i = span.begin; i < span.end; ++i) {
      const char c = all[i];
      const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
      if (space && (out.empty() || out.back() == ' ')) continue;
      out += space ? ' ' : c;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (out.size() > 80) out = out.substr(0, 77) + "...";
    return out;
  }

 private:
  const SourceMap& sources_;
};

std::string times(uint64_t n) { return n == 1 ? "once" : fmt::format("{} times", n); }

// A condition: reached when seen on both sides.
CoverageItem condition(std::string kind, std::string name, std::string text, const engine::Outcomes& o) {
  CoverageItem item{std::move(kind), std::move(name), std::move(text)};
  item.is_condition = true;
  item.held = o.held;
  item.failed = o.failed;
  item.reached = o.held > 0 && o.failed > 0;
  if (o.held == 0 && o.failed == 0) {
    item.detail = "no test evaluates it";
  } else if (!item.reached) {
    item.detail = fmt::format("held {}, failed {}: no test where it {}", o.held, o.failed, o.held == 0 ? "holds" : "fails");
  } else {
    item.detail = fmt::format("held {}, failed {}", o.held, o.failed);
  }
  return item;
}

// Anything else: reached when it happened at least once.
CoverageItem happened(std::string kind, std::string name, std::string text, uint64_t count, const std::string& never) {
  CoverageItem item{std::move(kind), std::move(name), std::move(text)};
  item.held = count;
  item.reached = count > 0;
  item.detail = count > 0 ? times(count) : never;
  return item;
}

// The tier tables and decision tables some function of the plan reads: a table nothing reads is the
// unused-definition lint's business, not a gap in the tests.
void tables_read(const plan::Plan& plan, std::vector<bool>& tiers, std::vector<bool>& decisions) {
  tiers.assign(plan.tiers.size(), false);
  decisions.assign(plan.decisions.size(), false);
  for (const plan::Function& f : plan.functions) {
    for (const plan::Instr& in : f.code) {
      if ((in.op == plan::Opcode::TierOf || in.op == plan::Opcode::TierBy) && in.a < tiers.size()) tiers[in.a] = true;
      if (in.op == plan::Opcode::Decision && in.a < decisions.size()) decisions[in.a] = true;
    }
  }
}

template <typename Decl>
const Decl* declaration(const TypedProgram& program, const std::string& name, SymbolKind kind) {
  auto it = program.globals.find(name);
  if (it == program.globals.end() || it->second.kind != kind) return nullptr;
  return static_cast<const Decl*>(it->second.decl);
}

void rebate_items(const ast::Rebate& r, const engine::RebateCoverage& c, const Places& places, std::vector<CoverageItem>& out) {
  const std::string& name = r.name.name;
  CoverageItem whole = happened("rebate", name, "rebate " + name, c.paid,
                                c.evaluated == 0 ? "no test evaluates it" : fmt::format("evaluated {}, never past its conditions", times(c.evaluated)));
  if (c.paid > 0) whole.detail = fmt::format("worked out {} (evaluated {})", times(c.paid), times(c.evaluated));
  places.place(whole, r.name.span);
  out.push_back(std::move(whole));
  size_t eligible = 0, require = 0, uplift = 0, accelerate = 0;
  for (const ast::Clause& clause : r.clauses) {
    const std::string text = places.text(clause.span);
    std::optional<CoverageItem> item;
    switch (clause.kind) {
      case ast::ClauseKind::Eligible:
        if (eligible < c.eligible.size()) item = condition("eligible when", name, text, c.eligible[eligible]);
        ++eligible;
        break;
      case ast::ClauseKind::Require:
        if (require < c.require.size()) item = condition("require", name, text, c.require[require]);
        ++require;
        break;
      case ast::ClauseKind::Pay:
        if (clause.when) item = condition("pay when", name, text, c.pay_when);
        break;
      case ast::ClauseKind::Uplift:
      case ast::ClauseKind::Accelerate: {
        const bool up = clause.kind == ast::ClauseKind::Uplift;
        const std::vector<engine::Outcomes>& all = up ? c.uplift : c.accelerate;
        const size_t k = up ? uplift++ : accelerate++;
        if (k >= all.size()) break;
        const char* kind = up ? "uplift" : "accelerate";
        item = clause.when ? condition(fmt::format("{} when", kind), name, text, all[k])
                           : happened(kind, name, text, all[k].held, "no test gets this far");
        break;
      }
      case ast::ClauseKind::Cap:
        item = happened("cap", name, text, c.cap.held,
                        c.cap.failed ? fmt::format("evaluated {}, never lowered a payout: no test reaches the cap", times(c.cap.failed))
                                     : "no test gets this far");
        break;
      case ast::ClauseKind::Floor:
        item = happened("floor", name, text, c.floor.held,
                        c.floor.failed ? fmt::format("evaluated {}, never raised a payout: no test falls below the floor", times(c.floor.failed))
                                       : "no test gets this far");
        break;
      case ast::ClauseKind::AllowNegative:
        item = happened("allow negative", name, text, c.negative_kept, "no test pays a negative amount");
        break;
      case ast::ClauseKind::Rounding:
      case ast::ClauseKind::Settle:
      case ast::ClauseKind::OnNegative:
      case ast::ClauseKind::Accrue:  // a fund's clauses: no condition to reach (docs/language.md §27)
      case ast::ClauseKind::Claims:
      case ast::ClauseKind::Expire:
        break;
    }
    if (!item) continue;
    places.place(*item, clause.span);
    out.push_back(std::move(*item));
  }
}

}  // namespace

size_t ProgramCoverage::reached() const {
  return static_cast<size_t>(std::count_if(items.begin(), items.end(), [](const CoverageItem& i) { return i.reached; }));
}

std::string ProgramCoverage::percent() const {
  if (items.empty()) return "100.0";
  const uint64_t tenths = reached() * 1000 / items.size();  // rounded down: 99.96% is not shown as 100.0
  return fmt::format("{}.{}", tenths / 10, tenths % 10);
}

bool ProgramCoverage::at_least(double minimum) const {
  return static_cast<double>(reached()) * 100.0 >= minimum * static_cast<double>(items.size());
}

ProgramCoverage program_coverage(const std::string& file, const TypedProgram& program, const plan::Plan& plan,
                                 const SourceMap& sources, const engine::Coverage& counts) {
  ProgramCoverage out;
  out.file = file;
  const Places places(sources);
  for (size_t i = 0; i < plan.rebates.size() && i < counts.rebates.size(); ++i) {
    if (const auto* r = declaration<ast::Rebate>(program, plan.rebates[i].name, SymbolKind::Rebate)) {
      rebate_items(*r, counts.rebates[i], places, out.items);
    }
  }
  std::vector<bool> tiers_read, decisions_read;
  tables_read(plan, tiers_read, decisions_read);
  for (size_t t = 0; t < plan.tiers.size() && t < counts.bands.size(); ++t) {
    const auto* decl = declaration<ast::Tiers>(program, plan.tiers[t].name, SymbolKind::Tiers);
    if (!decl || !tiers_read[t]) continue;
    for (size_t b = 0; b < decl->bands.size() && b < counts.bands[t].size(); ++b) {
      CoverageItem item = happened("tier band", decl->name.name, places.text(decl->bands[b].span), counts.bands[t][b], "no test reaches it");
      places.place(item, decl->bands[b].span);
      out.items.push_back(std::move(item));
    }
  }
  for (size_t d = 0; d < plan.decisions.size() && d < counts.decision_rows.size(); ++d) {
    const auto* decl = declaration<ast::Decision>(program, plan.decisions[d].name, SymbolKind::Decision);
    if (!decl || !decisions_read[d]) continue;
    for (size_t r = 0; r < decl->rows.size() && r < counts.decision_rows[d].size(); ++r) {
      CoverageItem item = happened("decision row", decl->name.name, places.text(decl->rows[r].span), counts.decision_rows[d][r],
                                   "no test matches it");
      places.place(item, decl->rows[r].span);
      out.items.push_back(std::move(item));
    }
  }
  for (size_t a = 0; a < plan.awards.size() && a < counts.award_rows.size(); ++a) {
    if (plan.awards[a].metric) continue;  // one formula, no rows to reach
    const auto* decl = declaration<ast::Award>(program, plan.awards[a].name, SymbolKind::Award);
    if (!decl) continue;
    for (size_t r = 0; r < decl->rows.size() && r < counts.award_rows[a].size(); ++r) {
      CoverageItem item = happened("award row", decl->name.name, places.text(decl->rows[r].span), counts.award_rows[a][r],
                                   "no test decides the award with it");
      places.place(item, decl->rows[r].span);
      out.items.push_back(std::move(item));
    }
  }
  std::stable_sort(out.items.begin(), out.items.end(), [](const CoverageItem& x, const CoverageItem& y) {
    return std::tie(x.file, x.line, x.column) < std::tie(y.file, y.line, y.column);
  });
  return out;
}

std::string coverage_text(const std::vector<ProgramCoverage>& programs) {
  std::string out;
  for (const ProgramCoverage& p : programs) {
    out += fmt::format("coverage: {}: {} of {} items reached ({}%)\n", p.file, p.reached(), p.items.size(), p.percent());
    for (const CoverageItem& i : p.items) {
      if (i.reached) continue;
      // "`cap quarterly_cap` (rebate `storage_volume`)", "`from 0 USD ...: 2%` (tier table `storage_tiers`)"
      const std::string owner = i.kind == "rebate"         ? ""
                                : i.kind == "tier band"    ? fmt::format(" (tier table `{}`)", i.name)
                                : i.kind == "decision row" ? fmt::format(" (decision table `{}`)", i.name)
                                : i.kind == "award row"    ? fmt::format(" (award `{}`)", i.name)
                                                           : fmt::format(" (rebate `{}`)", i.name);
      out += fmt::format("  not reached: {}:{}:{}: `{}`{}: {}\n", i.file, i.line, i.column, i.text, owner, i.detail);
    }
  }
  return out;
}

std::string coverage_json(const std::vector<ProgramCoverage>& programs) {
  using json = nlohmann::ordered_json;
  json list = json::array();
  size_t reached = 0, total = 0;
  for (const ProgramCoverage& p : programs) {
    json items = json::array();
    for (const CoverageItem& i : p.items) {
      json item = {{"kind", i.kind}, {"name", i.name}, {"text", i.text}, {"file", i.file}, {"line", i.line}, {"column", i.column},
                   {"reached", i.reached}};
      if (i.is_condition) {
        item["held"] = i.held;
        item["failed"] = i.failed;
      } else {
        item["count"] = i.held;
      }
      item["detail"] = i.detail;
      items.push_back(std::move(item));
    }
    list.push_back({{"file", p.file}, {"reached", p.reached()}, {"items_total", p.items.size()}, {"percent", std::stod(p.percent())},
                    {"items", std::move(items)}});
    reached += p.reached();
    total += p.items.size();
  }
  json out = {{"programs", std::move(list)}, {"reached", reached}, {"items_total", total}};
  out["percent"] = total == 0 ? 100.0 : static_cast<double>(reached * 1000 / total) / 10.0;
  return out.dump(2) + "\n";
}

std::string coverage_lcov(const std::vector<ProgramCoverage>& programs) {
  // Items by source file (a program's imports are files of their own), each file's record once.
  // The standard library's modules are embedded in the binary, with no file a viewer could show (genhtml
  // stops at a missing source): their items are in the text and JSON reports only.
  auto embedded = [](const std::string& file) {
    std::error_code ec;
    return file.rfind("std/", 0) == 0 && !std::filesystem::exists(file, ec);
  };
  std::map<std::string, std::vector<const CoverageItem*>> by_file;
  for (const ProgramCoverage& p : programs) {
    for (const CoverageItem& i : p.items) {
      if (!embedded(i.file)) by_file[i.file].push_back(&i);
    }
  }
  std::string out;
  for (const auto& [file, items] : by_file) {
    out += fmt::format("TN:\nSF:{}\n", file);
    // Rebates and award rows' awards as functions: their names, where they are declared.
    std::map<std::string, std::pair<uint32_t, uint64_t>> functions;  // name -> line, count
    for (const CoverageItem* i : items) {
      if (i->kind == "rebate") functions[i->name] = {i->line, i->held};
    }
    size_t hit = 0;
    for (const auto& [name, f] : functions) out += fmt::format("FN:{},{}\n", f.first, name);
    for (const auto& [name, f] : functions) {
      out += fmt::format("FNDA:{},{}\n", f.second, name);
      hit += f.second > 0;
    }
    out += fmt::format("FNF:{}\nFNH:{}\n", functions.size(), hit);
    // Conditions as branches: 0 held, 1 failed.
    size_t branches = 0, branches_hit = 0, block = 0;
    for (const CoverageItem* i : items) {
      if (!i->is_condition) continue;
      out += fmt::format("BRDA:{},{},0,{}\nBRDA:{},{},1,{}\n", i->line, block, i->held, i->line, block, i->failed);
      ++block;
      branches += 2;
      branches_hit += (i->held > 0) + (i->failed > 0);
    }
    out += fmt::format("BRF:{}\nBRH:{}\n", branches, branches_hit);
    // Lines: a line with an item not reached shows 0, so that viewers mark it.
    std::map<uint32_t, uint64_t> lines;
    std::map<uint32_t, bool> whole;
    for (const CoverageItem* i : items) {
      const uint64_t count = i->is_condition ? i->held + i->failed : i->held;
      lines[i->line] += count;
      auto [at, fresh] = whole.emplace(i->line, i->reached);
      if (!fresh) at->second = at->second && i->reached;
    }
    size_t lines_hit = 0;
    for (auto& [line, count] : lines) {
      if (!whole[line]) count = 0;
      out += fmt::format("DA:{},{}\n", line, count);
      lines_hit += count > 0;
    }
    out += fmt::format("LF:{}\nLH:{}\nend_of_record\n", lines.size(), lines_hit);
  }
  return out;
}

}  // namespace rebate::testing

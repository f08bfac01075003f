// "Did you mean ...?": edit distance over the names visible where a name was not found.
#include <algorithm>
#include <cctype>

#include "check/checker_impl.h"

namespace rebate::check {

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two neighbours
// (`teir` -> `tier` is one edit), the typos people make.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], before[j - 2] + 1);
    }
    std::swap(before, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> closest(const std::string& name, const std::vector<std::string>& candidates) {
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::string lname = lower(name);
  std::optional<std::string> best;
  size_t best_distance = std::max<size_t>(1, name.size() / 3) + 1;
  for (const auto& c : candidates) {
    if (c == name) continue;
    size_t d = lower(c) == lname ? 0 : edit_distance(lname, lower(c));
    if (d < best_distance || (d == best_distance && best && c < *best)) {
      best_distance = d;
      best = c;
    }
  }
  if (best && edit_distance(lname, lower(*best)) > std::max<size_t>(1, name.size() / 3)) return std::nullopt;
  return best;
}

std::vector<std::string> Checker::visible_names(const Scope& scope) const {
  std::vector<std::string> names;
  for (const auto& [name, sym] : out->globals) {
    switch (sym.kind) {
      case SymbolKind::Const: case SymbolKind::Tiers:
        names.push_back(name);
        break;
      case SymbolKind::Measure: case SymbolKind::Decision: case SymbolKind::Ledger: case SymbolKind::Group:
        if (scope.kind == ScopeKind::PartnerPeriod) names.push_back(name);
        break;
      case SymbolKind::Enum: case SymbolKind::EnumMember: case SymbolKind::Table: case SymbolKind::Calendar:
      case SymbolKind::Rebate: case SymbolKind::Award: case SymbolKind::Budget: case SymbolKind::Column:
      case SymbolKind::GroupField: case SymbolKind::Partner: case SymbolKind::Period: case SymbolKind::Builtin:
        break;
    }
  }
  for (const ast::Module* m : out->modules) {
    for (const auto& e : m->enums) {
      for (const auto& member : e.members) names.push_back(member.name);
    }
  }
  if (scope.kind == ScopeKind::PartnerPeriod || scope.kind == ScopeKind::Row) {
    names.push_back("partner");
    names.push_back("period");
  }
  if (scope.row_source) {
    for (const auto& c : scope.row_source->columns) names.push_back(c.name.name);
  }
  if (scope.row_group) {
    for (const auto& k : scope.row_group->keys) names.push_back(k.name);
    for (const auto& f : scope.row_group->fields) names.push_back(f.name.name);
  }
  return names;
}

}  // namespace rebate::check

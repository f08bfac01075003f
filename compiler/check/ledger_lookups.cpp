// Lookups across ledgers by key (docs/language.md §26): a ledger column typed with a keyed ledger's name
// (`subscription: activations`) holds that ledger's key, and `subscription.activated_on` reads a column of
// the line it names. The looked-up ledger needs one `as key` column, not optional (E0530); ledgers may not
// look each other up in a cycle (E0531); a line's partner may be read through such a lookup (`as
// partner`), but not through a lookup table, whose rows have no partner (E0532). A ledger with a key no
// ledger looks up is the lint W0015.
#include <fmt/format.h>

#include <functional>

#include "check/checker_impl.h"

namespace rebate::check {

namespace {

// The `key` role of a ledger, and the column that has it.
std::pair<const ast::Column*, const ast::Ident*> key_of(const ast::Source& s) {
  for (const auto& c : s.columns) {
    for (const auto& r : c.roles) {
      if (r.name == "key") return {&c, &r};
    }
  }
  return {nullptr, nullptr};
}

const ast::Column* key_column(const ast::Source& s) { return key_of(s).first; }

}  // namespace

Type Checker::ledger_lookup_type(const ast::TypeRef& ref, const ast::Source& ledger) {
  used.insert(&ledger);
  const ast::Column* key = key_column(ledger);
  if (!key) {
    diags.report(DiagKind::InvalidLedgerLookup, ref.name.span, fmt::format("ledger `{}` has no `key` column to look its lines up by", ledger.name.name))
        .note(ledger.name.span, "the ledger")
        .with_help("mark the column that names each line once, such as a subscription id, `as key`: `subscription_id: Text as key`");
    return Type::error();
  }
  if (key->type.optional) {
    diags.report(DiagKind::InvalidLedgerLookup, ref.name.span,
                 fmt::format("ledger `{}` is looked up by its key `{}`, which may be empty", ledger.name.name, key->name.name))
        .note(key->type.span, "the key is optional")
        .with_help("every line of a ledger looked up by key needs its key: remove the `?`");
    return Type::error();
  }
  return Type::with_decl(TypeKind::Row, &ledger);
}

void Checker::check_partner_lookup(const ast::Column& column, const ast::Ident& role, const Type& type) {
  const ast::Source* target = type.source_decl();
  if (target && target->kind == ast::SourceKind::Ledger) return;  // the line's partner is the looked-up line's
  diags.report(DiagKind::InvalidPartnerLookup, role.span,
               fmt::format("`{}` looks up table `{}`, whose rows have no partner", column.name.name, target ? target->name.name : "?"))
      .with_help("mark the column that names the partner `as partner` (`partner_id: Text as partner`); only a lookup into a "
                 "keyed ledger gives a line the partner of the line it names");
}

// Which ledgers each ledger looks up (its columns typed with a ledger's name), and a cycle among them:
// a ledger indexed by key is read before the ledgers that look into it, which a cycle makes impossible
// (and a line whose partner or visibility depends, through lookups, on itself means nothing).
void Checker::check_ledger_lookups() {
  struct Edge {
    const ast::Source* from;
    const ast::Source* to;
    const ast::Column* column;
  };
  std::map<const ast::Source*, std::vector<Edge>> edges;
  std::vector<const ast::Source*> ledgers;
  for (const ast::Module* m : out->modules) {
    for (const auto& s : m->sources) {
      if (s.kind != ast::SourceKind::Ledger) continue;
      ledgers.push_back(&s);
      for (const auto& c : s.columns) {
        auto it = out->globals.find(c.type.name.name);
        if (it == out->globals.end() || it->second.kind != SymbolKind::Ledger) continue;
        edges[&s].push_back(Edge{&s, static_cast<const ast::Source*>(it->second.decl), &c});
      }
    }
  }
  // W0015: a ledger's key is only ever used to look its lines up; without a lookup the role does
  // nothing (not even a check that the keys are unique, which is made when the index is built).
  std::set<const ast::Source*> looked_up;
  for (const auto& [from, out_edges] : edges) {
    for (const Edge& e : out_edges) looked_up.insert(e.to);
  }
  for (const ast::Source* s : ledgers) {
    const auto [key, role] = key_of(*s);
    if (!out->program || !key || looked_up.count(s)) continue;
    if (key->type.name.name != "Text" && key->type.name.name != "Int") continue;  // a key of another type is E0507 already
    diags.report(DiagKind::UnusedLedgerKey, role->span, fmt::format("no ledger looks up `{}` by its key `{}`", s->name.name, key->name.name))
        .with_help(fmt::format("remove `as key`, or read its lines from another ledger through a column typed with its name (`line: {}`)",
                               s->name.name));
  }

  enum class Mark { None, Open, Done };
  std::map<const ast::Source*, Mark> mark;
  std::vector<Edge> path;  // the lookups followed from the ledger the search started at
  std::function<bool(const ast::Source*)> visit = [&](const ast::Source* s) {
    mark[s] = Mark::Open;
    for (const Edge& e : edges[s]) {
      if (mark[e.to] == Mark::Open) {
        // The cycle: the lookups on the path from e.to, then this one.
        path.push_back(e);
        size_t first = 0;
        while (path[first].from != e.to) ++first;
        std::string chain = fmt::format("`{}`", e.to->name.name);
        for (size_t k = first; k < path.size(); ++k) chain += fmt::format(" looks up `{}`", path[k].to->name.name) + (k + 1 < path.size() ? ", which" : "");
        auto& d = diags.report(DiagKind::LedgerLookupCycle, e.column->type.span,
                               e.to == s ? fmt::format("ledger `{}` looks itself up by key", s->name.name)
                                         : fmt::format("ledgers look each other up by key in a cycle: {}", chain));
        for (size_t k = first; k + 1 < path.size(); ++k) d.note(path[k].column->type.span, fmt::format("`{}` looks up `{}` here", path[k].from->name.name, path[k].to->name.name));
        d.with_help("a ledger looked up by key is read before the ledgers that look into it: keep the lookups one way, "
                    "or have the export write the value as a column of the line itself");
        return true;
      }
      if (mark[e.to] == Mark::Done) continue;
      path.push_back(e);
      const bool cycle = visit(e.to);
      path.pop_back();
      if (cycle) return true;
    }
    mark[s] = Mark::Done;
    return false;
  };
  for (const ast::Source* s : ledgers) {
    if (mark[s] == Mark::None && visit(s)) return;  // one cycle said: the others are usually the same mistake
  }
}

}  // namespace rebate::check

// Running the driver for an open document and indexing the names of its program.
#include "server/analysis.h"

#include <filesystem>

namespace rebate::server {

namespace {

void visit_tree(const ast::Expr* e, const std::function<void(const ast::Expr&)>& visit) {
  if (!e) return;
  visit(*e);
  for (const ast::ExprPtr& a : e->args) visit_tree(a.get(), visit);
  visit_tree(e->where.get(), visit);
}

bool contains(Span s, uint32_t offset) { return s.valid() && s.begin <= offset && offset <= s.end; }

}  // namespace

void for_each_expr(const ast::Module& m, const std::function<void(const ast::Expr&)>& visit) {
  auto v = [&](const ast::ExprPtr& e) { visit_tree(e.get(), visit); };
  for (const ast::Program& p : m.programs) {
    for (const ast::Setting& s : p.settings) v(s.value);
  }
  for (const ast::Calendar& c : m.calendars) {
    for (const ast::Setting& s : c.settings) v(s.value);
  }
  for (const ast::Const& c : m.consts) v(c.value);
  for (const ast::Measure& ms : m.measures) {
    v(ms.value);
    for (const ast::MeasureLimit& l : ms.limits) v(l.value);
  }
  for (const ast::Group& g : m.groups) {
    for (const ast::GroupField& f : g.fields) v(f.value);
  }
  for (const ast::Tiers& t : m.tiers) {
    for (const ast::TierBand& b : t.bands) {
      v(b.lower);
      v(b.upper);
      v(b.value);
    }
  }
  for (const ast::Decision& d : m.decisions) {
    for (const ast::ExprPtr& in : d.inputs) v(in);
    for (const ast::DecisionRow& r : d.rows) {
      for (const ast::Pattern& p : r.patterns) {
        for (const ast::PatternAlt& a : p.alternatives) {
          v(a.value);
          v(a.upper);
        }
      }
      v(r.value);
    }
  }
  for (const ast::Rebate& r : m.rebates) {
    for (const ast::Clause& c : r.clauses) {
      v(c.value);
      v(c.when);
      v(c.rounding_to);
    }
  }
  for (const ast::Award& a : m.awards) {
    for (const ast::AwardRow& r : a.rows) {
      v(r.when);
      v(r.value);
    }
  }
  for (const ast::Budget& b : m.budgets) v(b.amount);
  for (const ast::Test& t : m.tests) {
    for (const ast::TestGiven& g : t.given) {
      for (const auto& row : g.rows) {
        for (const ast::ExprPtr& e : row) v(e);
      }
    }
    for (const ast::TestExpect& x : t.expects) {
      v(x.partner);
      v(x.period);
      v(x.amount);
    }
  }
}

Analysis::Analysis(const std::string& path, std::string text, Overlay overlay) {
  CompileOptions options;
  options.overlay = std::move(overlay);
  compiler_ = std::make_unique<Compiler>(options);
  program_ = compiler_->compile_text(path, std::move(text));
  compiler_->finish();
  loaded_ = compiler_->loaded_paths();
  for (const ast::Module* m : program_.modules) index_module(*m);
}

std::string Analysis::path_of(FileId file) const {
  if (file == kNoFile || file >= sources().size()) return {};
  return std::filesystem::path(sources().file(file).path()).lexically_normal().string();
}

const ast::Module* Analysis::module_of(FileId file) const {
  for (const ast::Module* m : program_.modules) {
    if (m->file == file) return m;
  }
  return nullptr;
}

void Analysis::add(Span span, const Symbol& symbol, bool definition) {
  if (!span.valid() || symbol.name.empty()) return;
  occurrences_.push_back(Occurrence{span.file, span, symbol, definition});
}

void Analysis::add_global_use(const ast::Ident& name) {
  if (!typed()) return;
  auto it = typed()->globals.find(name.name);
  if (it != typed()->globals.end()) add(name.span, it->second, false);
}

void Analysis::index_module(const ast::Module& m) {
  const TypedProgram* t = typed();
  // Definitions: every declared name is a global symbol of the program, found by its name and span.
  auto define = [&](const ast::Ident& name) {
    if (!t) return;
    auto it = t->globals.find(name.name);
    if (it != t->globals.end() && it->second.span.file == name.span.file && it->second.span.begin == name.span.begin) {
      add(name.span, it->second, true);
    }
  };
  for (const ast::Enum& e : m.enums) {
    define(e.name);
    for (uint32_t i = 0; i < e.members.size(); ++i) {
      add(e.members[i].span, Symbol{SymbolKind::EnumMember, e.members[i].name, &e, i, e.members[i].span}, true);
    }
  }
  auto type_use = [&](const ast::TypeRef& ref) { add_global_use(ref.name); };
  for (const ast::Source& s : m.sources) {
    define(s.name);
    for (uint32_t i = 0; i < s.columns.size(); ++i) {
      const ast::Column& c = s.columns[i];
      add(c.name.span, Symbol{SymbolKind::Column, c.name.name, &s, i, c.name.span}, true);
      type_use(c.type);
    }
  }
  for (const ast::Calendar& c : m.calendars) define(c.name);
  for (const ast::Const& c : m.consts) {
    define(c.name);
    if (c.type) type_use(*c.type);
  }
  for (const ast::Measure& ms : m.measures) {
    define(ms.name);
    if (ms.type) type_use(*ms.type);
  }
  for (const ast::Group& g : m.groups) {
    define(g.name);
    add_global_use(g.ledger);
    for (uint32_t i = 0; i < g.fields.size(); ++i) {
      add(g.fields[i].name.span, Symbol{SymbolKind::GroupField, g.fields[i].name.name, &g, i, g.fields[i].name.span}, true);
    }
  }
  for (const ast::Tiers& x : m.tiers) define(x.name);
  for (const ast::Decision& d : m.decisions) {
    define(d.name);
    type_use(d.result);
  }
  for (const ast::Rebate& r : m.rebates) define(r.name);
  for (const ast::Award& a : m.awards) {
    define(a.name);
    type_use(a.type);
  }
  for (const ast::Budget& b : m.budgets) {
    define(b.name);
    for (const ast::Ident& r : b.rebates) add_global_use(r);
  }
  for (const ast::Test& test : m.tests) {
    for (const ast::TestGiven& g : test.given) {
      add_global_use(g.source);
      // The columns a test names are the columns of the source it gives rows of.
      auto it = t ? t->globals.find(g.source.name) : decltype(t->globals.end()){};
      if (t && it != t->globals.end() && (it->second.kind == SymbolKind::Ledger || it->second.kind == SymbolKind::Table)) {
        const auto* src = static_cast<const ast::Source*>(it->second.decl);
        for (const ast::Ident& col : g.columns) {
          for (uint32_t i = 0; i < src->columns.size(); ++i) {
            if (src->columns[i].name.name == col.name) {
              add(col.span, Symbol{SymbolKind::Column, col.name, src, i, src->columns[i].name.span}, false);
            }
          }
        }
      }
    }
    for (const ast::TestExpect& x : test.expects) add_global_use(x.rebate);
  }
  // Uses in expressions: the checker's resolutions.
  if (!t) return;
  for_each_expr(m, [&](const ast::Expr& e) {
    const Symbol* s = t->ref_of(e);
    if (!s) return;
    if (e.kind == ast::ExprKind::Name) add(e.span, *s, false);
    if (e.kind == ast::ExprKind::Member) add(e.name_span, *s, false);
  });
}

const Occurrence* Analysis::occurrence_at(FileId file, uint32_t offset) const {
  const Occurrence* best = nullptr;
  for (const Occurrence& o : occurrences_) {
    if (o.file != file || !contains(o.span, offset)) continue;
    if (!best || o.span.end - o.span.begin < best->span.end - best->span.begin) best = &o;
  }
  return best;
}

const ast::Expr* Analysis::expr_at(FileId file, uint32_t offset) const {
  const ast::Module* m = module_of(file);
  if (!m) return nullptr;
  const ast::Expr* best = nullptr;
  for_each_expr(*m, [&](const ast::Expr& e) {
    if (!contains(e.span, offset)) return;
    if (!best || e.span.end - e.span.begin <= best->span.end - best->span.begin) best = &e;
  });
  return best;
}

}  // namespace rebate::server

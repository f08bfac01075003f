// `--dump=types`: the type of every declaration, in a stable order, for golden tests and curious users.
#include <fmt/format.h>

#include <algorithm>

#include "check/checker.h"

namespace rebate {

std::string dump_types(const TypedProgram& p) {
  std::string out;
  const ProgramSettings& s = p.settings;
  if (p.program) {
    const char* grain = s.grain == PeriodGrain::Month ? "month" : s.grain == PeriodGrain::Year ? "year" : "quarter";
    out += fmt::format("program {:?} currency {} period {} rounding {}\n", s.title, s.currency, grain, spelling(s.rounding));
  }
  for (const ast::Module* m : p.modules) {
    for (const auto& c : m->consts) out += fmt::format("const {} : {}\n", c.name.name, to_string(p.type_of(*c.value)));
    for (const auto& ms : p.measure_order) {
      if (std::none_of(m->measures.begin(), m->measures.end(), [&](const ast::Measure& x) { return &x == ms; })) continue;
      out += fmt::format("measure {} : {}\n", ms->name.name, to_string(p.type_of(*ms->value)));
    }
    for (const auto& g : m->groups) {
      for (const auto& f : g.fields) out += fmt::format("group {}.{} : {}\n", g.name.name, f.name.name, to_string(p.type_of(*f.value)));
    }
    for (const auto& d : m->decisions) {
      for (const auto& row : d.rows) out += fmt::format("decision {} row : {}\n", d.name.name, to_string(p.type_of(*row.value)));
    }
    for (const auto& r : m->rebates) {
      for (const auto& c : r.clauses) {
        if (!c.value) continue;
        out += fmt::format("rebate {} {} : {}\n", r.name.name, ast::spelling(c.kind), to_string(p.type_of(*c.value)));
      }
    }
    for (const auto& a : m->awards) {
      for (const auto& row : a.rows) out += fmt::format("award {} row : {}\n", a.name.name, to_string(p.type_of(*row.value)));
    }
  }
  return out;
}

}  // namespace rebate

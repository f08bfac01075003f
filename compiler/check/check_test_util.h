// Test helper: compile a program given as text and list the codes it reports.
#pragma once

#include <string>
#include <vector>

#include "driver/compilation.h"

namespace rebate::testing {

struct Checked {
  std::vector<std::string> codes;  // in source order
  std::vector<Diagnostic> diags;
  std::string dump_types;
};

inline Checked check_text(const std::string& text) {
  Compiler compiler(CompileOptions{});
  CompiledProgram program = compiler.compile_text("test.rebate", text);
  compiler.finish();
  Checked out;
  for (const auto& d : compiler.diagnostics().all()) {
    out.codes.emplace_back(info(d.kind).code);
    out.diags.push_back(d);
  }
  if (program.typed) out.dump_types = dump_types(*program.typed);
  return out;
}

// A program header and the inputs most snippets need.
inline const char* kPrelude = R"(
program "Test" { currency: USD  period: quarter }
enum Tier { bronze, silver, gold, platinum }
partner table partners { id: Text as key  tier: Tier  certified: Bool }
ledger sales { invoice_date: Date as date  partner_id: Text as partner  family: Text  quantity: Int  amount: Money  customer: Text }
)";

}  // namespace rebate::testing

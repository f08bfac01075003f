// Renderers: the same Diagnostics list as human text (rustc-style snippets), gnu lines or JSON.
#pragma once

#include <string>

#include "diagnostics/diagnostic.h"

namespace rebate {

// Sarif: a SARIF 2.1.0 log (sarif.cpp), as GitHub code scanning uploads it.
enum class DiagFormat { Human, Gnu, Json, Sarif };

struct RenderOptions {
  DiagFormat format = DiagFormat::Human;
  bool color = false;  // human only; the CLI turns it on for a terminal
};

std::string render(const Diagnostics& diags, const SourceMap& sources, const RenderOptions& options);

// The diagnostics as one SARIF 2.1.0 log: every diagnostic kind a rule (its code, summary, the docs' fix
// and a link to its section of docs/diagnostics.md), every diagnostic a result.
std::string render_sarif(const Diagnostics& diags, const SourceMap& sources);

// "2 errors, 1 warning" (empty when there is nothing to report).
std::string summary_line(const Diagnostics& diags);

}  // namespace rebate

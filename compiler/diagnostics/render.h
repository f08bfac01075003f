// Renderers: the same Diagnostics list as human text (rustc-style snippets), gnu lines or JSON.
#pragma once

#include <string>

#include "diagnostics/diagnostic.h"

namespace rebate {

enum class DiagFormat { Human, Gnu, Json };

struct RenderOptions {
  DiagFormat format = DiagFormat::Human;
  bool color = false;  // human only; the CLI turns it on for a terminal
};

std::string render(const Diagnostics& diags, const SourceMap& sources, const RenderOptions& options);

// "2 errors, 1 warning" (empty when there is nothing to report).
std::string summary_line(const Diagnostics& diags);

}  // namespace rebate

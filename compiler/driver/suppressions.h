// Inline suppression of lints: a comment `// rebate: allow(unused-measure)` (several names: `allow(a, b)`)
// silences those lints on its own line when it ends a line of code, or on the next line of code when
// it stands on a line of its own (doc comments between are skipped: it may sit above a declaration's
// `///` lines). An allow comment that silences nothing is itself a lint (W0009 unused-allow), and a name
// that is no lint an error (E0111), so that stale and misspelt suppressions do not pile up.
#pragma once

#include <vector>

#include "diagnostics/diagnostic.h"
#include "source/source.h"

namespace rebate {

// Drops the lints of `files` that their allow comments silence, and reports the allow comments' own
// problems. Runs before Diagnostics::finish (which applies --allow and --strict).
void apply_suppressions(Diagnostics& diags, const SourceMap& sources, const std::vector<FileId>& files);

}  // namespace rebate

// Checks on the raw bytes of a file before the lexer sees them: size, NUL bytes and UTF-8.
#pragma once

#include "diagnostics/diagnostic.h"
#include "source/source.h"

namespace rebate {

// Returns false when the file must not be lexed at all (each problem is reported once).
bool check_input_bytes(const SourceFile& file, Diagnostics& diags);

}  // namespace rebate

// The format phase: `rebate fmt` and the language server's formatting. A parsed file in, the same file in
// the one canonical layout of docs/style.md out: the printer (printer.h) lays the AST out as a document,
// taking literal spellings from the tokens, and the renderer (layout.h) breaks it into lines and puts
// every comment back where it stood.
//
// A file the parser reports errors in is not formatted, nor one whose result would be over the size a
// program file may have (kMaxSourceBytes). Every result is checked before it is handed out:
// it must parse, with the same AST (as `--dump=ast` prints it), the same doc comments and the same
// comments; a result that fails is withheld with an internal error, never written over a program.
#pragma once

#include <optional>
#include <string>

#include "diagnostics/diagnostic.h"
#include "source/source.h"

namespace rebate::format {

struct Formatted {
  std::optional<std::string> text;  // the file in its canonical layout; none when it was not formatted
  bool errors = false;              // errors in the file (added to the diagnostics): syntax errors, or a
                                    // result over the size a file may have. Not formatted
  std::string internal_error;       // the formatter failed its own check (a bug in it): not formatted
};

Formatted format_file(const SourceFile& file, Diagnostics& diags);

// The first difference in meaning between two texts of a file: "" when both parse to the same AST with
// the same doc comments and the same comments (as a multiset, compared as the formatter writes them).
std::string meaning_difference(const std::string& before, const std::string& after);

}  // namespace rebate::format

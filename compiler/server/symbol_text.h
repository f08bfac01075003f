// Reading the source text the checker's spans point into, for more than one feature: hover and document
// symbols (features.cpp) and completion (completion.cpp) show a declaration's text as written.
#pragma once

#include <string>

#include "source/source.h"

namespace rebate::server {

// The source text a span covers, or empty when the span is not valid for its file.
std::string text_of(const SourceMap& sources, Span span);

}  // namespace rebate::server

// Completion and hover from the words around the cursor, for the language's own words (builtins.h):
// what completion.cpp's general completion and the symbol hover do not know.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "check/checker.h"

namespace rebate::server {

using json = nlohmann::json;

// The completion items where the words before the cursor decide them (after `at:`, after `as`, after a
// lookup column's dot), or nullopt for the general completion. `word_start`: where the word being
// typed begins.
std::optional<json> completion_in_context(const std::string& text, size_t word_start, const TypedProgram* t);

// The doc of the language's word under `offset` (a function called there, a keyword, a role, a
// `convert` day), with the word's byte range; nullopt when the word is none of those.
struct WordHover {
  std::string markdown;
  uint32_t begin, end;
};
std::optional<WordHover> hover_of_word(const std::string& text, size_t offset);

}  // namespace rebate::server

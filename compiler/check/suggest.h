// "Did you mean ...?": the candidate closest to a misspelt name, shared by the checker's help lines and
// the command line's (unknown subcommands and options).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace rebate::check {

// The closest candidate, when it is close enough to be a likely typo (case aside, at most a third of the
// name's letters apart).
std::optional<std::string> closest(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace rebate::check

// What the process is doing now, in words ("reading the ledger `sales`"), for a message about a failure
// that can strike anywhere: an allocation that fails ("out of memory while reading the ledger `sales`").
// One value for the process, set by whoever starts a phase; cheap enough to set per input, not per line.
#pragma once

#include <string>

namespace rebate {

void set_activity(std::string what);
std::string activity();  // "" before anything was set

}  // namespace rebate

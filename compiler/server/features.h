// What features.cpp tells initialize: the semantic token legend (the types and modifiers, by index).
#pragma once

#include <nlohmann/json.hpp>

namespace rebate::server {

nlohmann::json semantic_tokens_legend();

}  // namespace rebate::server

// What the features tell initialize: the semantic token legend (the types and modifiers, by index;
// semantic_tokens.cpp).
#pragma once

#include <nlohmann/json.hpp>

namespace rebate::server {

nlohmann::json semantic_tokens_legend();

}  // namespace rebate::server

// ISO 4217 currency codes and their minor units: what `100 USD` may say, and where a payout rounds.
#pragma once

#include <string_view>

namespace rebate {

// Whether `code` is an ISO 4217 currency code in use, and its minor unit (2 for USD, 0 for JPY, 3 for KWD).
bool is_currency_code(std::string_view code);
int currency_minor_unit(std::string_view code);

}  // namespace rebate

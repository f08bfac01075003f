// ISO 4217 currency codes and their minor units: what `100 USD` may say, and where a payout rounds.
#pragma once

#include <string_view>

namespace rebate {

// Whether `code` is an ISO 4217 currency code in use, and its minor unit (2 for USD, 0 for JPY, 3 for KWD).
bool is_currency_code(std::string_view code);
int currency_minor_unit(std::string_view code);

// The codes numbered 0 .. currency_count() - 1, in a fixed order: how a `Currency` column stores a cell
// (a ledger enum column whose members are these codes) and how the `Convert` instruction names them.
int currency_count();
std::string_view currency_code_at(int index);
int currency_index(std::string_view code);  // -1 when `code` is not a code

}  // namespace rebate

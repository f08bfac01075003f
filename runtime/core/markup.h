// Text from a program or a ledger written into XML (JUnit reports) or HTML (statements): the markup
// characters as entities, so that a partner id like `<script>` is shown, never run.
#pragma once

#include <string>
#include <string_view>

namespace rebate {

// `attribute`: inside an attribute's quotes, where line ends and tabs are written as character
// references too. Control characters other than those (which XML 1.0 cannot hold) become `?`.
std::string xml_escape(std::string_view text, bool attribute = true);

}  // namespace rebate

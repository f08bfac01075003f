// The standard library modules, embedded at build time (stdlib/embed.py).
#pragma once

#include <string>
#include <vector>

namespace rebate {

struct StdlibModule {
  std::string name;  // "std/tiers"
  std::string text;
};

const std::vector<StdlibModule>& stdlib_modules();

}  // namespace rebate

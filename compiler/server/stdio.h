// `rebate lsp`: the language server on standard input and output.
#pragma once

#include "server/server.h"

namespace rebate::server {

// Serves until `exit` (or the end of input); returns the process's exit code.
int run_stdio(ServerOptions options);

}  // namespace rebate::server

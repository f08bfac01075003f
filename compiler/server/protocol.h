// JSON-RPC 2.0 and LSP 3.17 constants the server uses: error codes, and the error a handler throws to
// answer a request with one.
#pragma once

#include <stdexcept>
#include <string>

namespace rebate::server {

inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kServerNotInitialized = -32002;
inline constexpr int kRequestFailed = -32803;
inline constexpr int kRequestCancelled = -32800;

// Thrown by a request handler; the dispatcher turns it into the response's `error`.
struct RpcError : std::runtime_error {
  int code;
  RpcError(int c, const std::string& message) : std::runtime_error(message), code(c) {}
};

// LSP enums used in results.
namespace lsp {
inline constexpr int kSeverityError = 1, kSeverityWarning = 2, kSeverityInformation = 3;
}  // namespace lsp

}  // namespace rebate::server

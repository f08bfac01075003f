// libFuzzer target for the language server's message surface: bytes -> framing -> JSON-RPC dispatch ->
// every handler, exactly as `rebate lsp` runs them, minus the pipes.
//
// Each input is the byte stream an editor might write after `initialize` (which is sent first, so that
// the fuzzer reaches the features, not only ServerNotInitialized). The first byte picks how the stream is
// cut into reads, so that headers and bodies split across reads are exercised. Every response is
// serialised, as stdio.cpp does. Any crash, sanitizer report, leak, hang or out-of-memory is a bug. See
// docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/framing.h"
#include "server/server.h"

namespace {

constexpr const char* kInitialize =
    R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"processId":null,"capabilities":{}}})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  size_t out_bytes = 0;
  rebate::server::ServerOptions options;
  options.debounce = std::chrono::milliseconds(0);
  rebate::server::Server server(
      [&](const nlohmann::json& m) {
        out_bytes += m.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size();
      },
      [](const std::string&) {}, options);
  server.handle(kInitialize);
  if (size == 0) return 0;
  size_t piece = 1 + data[0] % 64;
  std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  rebate::server::FrameReader reader;
  for (size_t at = 0; at < stream.size() && !server.exited(); at += piece) {
    reader.feed(stream.substr(at, piece));
    std::vector<std::string> bodies;
    while (auto frame = reader.next()) {
      if (frame->ok) {
        bodies.push_back(std::move(frame->body));
      } else {
        server.handle_batch(bodies);
        bodies.clear();
        server.framing_error(frame->error_code, frame->error);
      }
    }
    server.handle_batch(bodies);
    server.run_due(rebate::server::Clock::now() + std::chrono::hours(1));
  }
  volatile size_t sink = out_bytes;
  (void)sink;
  return 0;
}

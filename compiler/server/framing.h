// LSP base protocol framing: `Content-Length: N\r\n\r\n` followed by N bytes of JSON. The reader takes
// bytes as they arrive and gives back whole message bodies, or framing errors the server answers with a
// JSON-RPC error (it never throws and never waits for bytes that a bad header says will not come).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace rebate::server {

// The largest message accepted: larger ones are refused and their bytes skipped as they arrive.
inline constexpr size_t kMaxMessageBytes = 64u << 20;
// The longest header block: a header that does not end by then is not one.
inline constexpr size_t kMaxHeaderBytes = 8u << 10;

struct Frame {
  bool ok = true;
  std::string body;    // ok: the message's JSON text
  int error_code = 0;  // !ok: the JSON-RPC error to answer with (id null)
  std::string error;   // !ok: what was wrong, for the error message and the log
};

class FrameReader {
 public:
  void feed(std::string_view bytes) { buffer_.append(bytes.data(), bytes.size()); }
  // The next message or framing error; nullopt when more bytes are needed.
  std::optional<Frame> next();
  // Bytes received but not yet part of a message (at the end of input: a message cut short).
  size_t pending() const { return buffer_.size(); }

 private:
  std::string buffer_;
  size_t skip_ = 0;  // bytes still to drop of a refused (oversized) message
  std::optional<size_t> body_length_;  // a header was read; its body has not all arrived
};

// A message body framed for sending.
std::string frame(std::string_view body);

}  // namespace rebate::server

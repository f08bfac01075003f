// The base protocol's headers: Content-Length (required) and Content-Type (accepted, ignored).
#include "server/framing.h"

#include <algorithm>
#include <cctype>

#include "server/protocol.h"

namespace rebate::server {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Frame failure(int code, std::string message) {
  Frame f;
  f.ok = false;
  f.error_code = code;
  f.error = std::move(message);
  return f;
}

// The Content-Length of a header block, or an error message.
std::optional<size_t> content_length(std::string_view block, std::string& error) {
  std::optional<size_t> length;
  while (!block.empty()) {
    size_t eol = block.find("\r\n");
    std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view{} : block.substr(eol + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      error = "a header line without `Name: value`";
      return std::nullopt;
    }
    std::string name = lower(trim(line.substr(0, colon)));
    std::string_view value = trim(line.substr(colon + 1));
    if (!std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; })) {
      error = "a header name that is not a token";
      return std::nullopt;
    }
    if (name == "content-length") {
      if (value.empty() || value.size() > 12 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        error = "Content-Length is not a number";
        return std::nullopt;
      }
      if (length) {
        error = "Content-Length given twice";
        return std::nullopt;
      }
      length = std::stoull(std::string(value));
    }
  }
  if (!length) error = "no Content-Length header";
  return length;
}

}  // namespace

std::optional<Frame> FrameReader::next() {
  if (skip_ > 0) {
    size_t n = std::min(skip_, buffer_.size());
    buffer_.erase(0, n);
    skip_ -= n;
    if (skip_ > 0) return std::nullopt;
  }
  if (body_length_) {
    // The header is read: wait for the body without scanning the bytes again (a 10 MB message arrives in
    // many pieces).
    if (buffer_.size() < *body_length_) return std::nullopt;
    Frame f;
    f.body = buffer_.substr(0, *body_length_);
    buffer_.erase(0, *body_length_);
    body_length_.reset();
    return f;
  }
  size_t end = buffer_.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (buffer_.size() > kMaxHeaderBytes) {
      size_t dropped = buffer_.size();
      buffer_.clear();
      return failure(kParseError, "no end of header in " + std::to_string(dropped) + " bytes; they were skipped");
    }
    return std::nullopt;
  }
  if (end > kMaxHeaderBytes) {
    buffer_.erase(0, end + 4);
    return failure(kParseError, "a header longer than " + std::to_string(kMaxHeaderBytes) + " bytes; skipped");
  }
  std::string error;
  std::optional<size_t> length = content_length(std::string_view(buffer_).substr(0, end), error);
  if (!length) {
    // Bytes that are not a header (the tail of a message whose Content-Length was too small, say): when
    // a `Content-Length` starts later in the block, resume there, so the next message is not lost.
    std::string block = lower(std::string_view(buffer_).substr(0, end));
    size_t again = block.find("content-length:", 1);
    size_t drop = again == std::string::npos ? end + 4 : again;
    buffer_.erase(0, drop);
    return failure(kParseError, "malformed header (" + error + "); " + std::to_string(drop) + " bytes skipped");
  }
  if (*length > kMaxMessageBytes) {
    buffer_.erase(0, end + 4);
    skip_ = *length;
    return failure(kInvalidRequest, "a message of " + std::to_string(*length) + " bytes; at most " +
                                        std::to_string(kMaxMessageBytes) + " are accepted, it is skipped");
  }
  buffer_.erase(0, end + 4);
  body_length_ = *length;
  return next();
}

std::string frame(std::string_view body) {
  std::string out = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out.append(body.data(), body.size());
  return out;
}

}  // namespace rebate::server

// LSP positions (UTF-16) <-> byte offsets, and the base protocol's framing.
#include <catch2/catch.hpp>

#include "server/framing.h"
#include "server/protocol.h"
#include "server/text_positions.h"

using rebate::server::FrameReader;
using rebate::server::LineIndex;
using rebate::server::Position;

TEST_CASE("positions count UTF-16 code units; offsets count bytes") {
  // "aé🚗b": a (1 byte, 1 unit), é (2 bytes, 1 unit), 🚗 (4 bytes, 2 units), b.
  std::string text = "x\na\xC3\xA9\xF0\x9F\x9A\x97" "b\r\nlast";
  LineIndex lines(text);
  REQUIRE(lines.line_count() == 3);
  CHECK(lines.offset_of(text, Position{1, 0}) == 2);
  CHECK(lines.offset_of(text, Position{1, 1}) == 3);
  CHECK(lines.offset_of(text, Position{1, 2}) == 5);
  CHECK(lines.offset_of(text, Position{1, 4}) == 9);   // after the car
  CHECK(lines.offset_of(text, Position{1, 3}) == 5);   // inside the surrogate pair: its start
  CHECK(lines.offset_of(text, Position{2, 2}) == 14);  // after "\r\n"
  CHECK(lines.position_of(text, 9).line == 1);
  CHECK(lines.position_of(text, 9).character == 4);
  CHECK(lines.position_of(text, 10).character == 5);
  bool clamped = false;
  CHECK(lines.offset_of(text, Position{1, 99}, &clamped) == 10);  // the end of the line, before "\r\n"
  CHECK(clamped);
  CHECK(lines.offset_of(text, Position{9, 0}, &clamped) == text.size());
  CHECK(clamped);
}

TEST_CASE("lines end at \\n, \\r\\n and \\r") {
  std::string text = "a\rb\r\nc\nd";
  LineIndex lines(text);
  CHECK(lines.line_count() == 4);
  CHECK(lines.offset_of(text, Position{1, 0}) == 2);
  CHECK(lines.offset_of(text, Position{2, 0}) == 5);
  CHECK(lines.offset_of(text, Position{3, 0}) == 7);
}

TEST_CASE("frames split across reads, bad headers skipped up to the next message") {
  FrameReader reader;
  std::string stream = "Content-Length: 2\r\n\r\n{}Content-Type: x\r\ncontent-length:  3 \r\n\r\n[1]";
  for (char c : stream) reader.feed(std::string_view(&c, 1));
  auto a = reader.next();
  REQUIRE(a);
  CHECK(a->ok);
  CHECK(a->body == "{}");
  auto b = reader.next();
  REQUIRE(b);
  CHECK(b->body == "[1]");
  CHECK_FALSE(reader.next());

  reader.feed("Content-Length: x\r\n\r\nJUNK\"id\":1}Content-Length: 2\r\n\r\n{}");
  auto bad = reader.next();
  REQUIRE(bad);
  CHECK_FALSE(bad->ok);
  CHECK(bad->error_code == rebate::server::kParseError);
  auto junk = reader.next();  // the tail that is no header
  REQUIRE(junk);
  CHECK_FALSE(junk->ok);
  auto good = reader.next();
  REQUIRE(good);
  CHECK(good->ok);
  CHECK(good->body == "{}");
}

TEST_CASE("an oversized message is refused and its bytes skipped") {
  FrameReader reader;
  reader.feed("Content-Length: 999999999999\r\n\r\n");
  auto f = reader.next();
  REQUIRE(f);
  CHECK(f->error_code == rebate::server::kInvalidRequest);
}

// Reading request parameters: a missing or mistyped field is InvalidParams, never an exception that
// escapes the handler or a default that hides the mistake.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "server/protocol.h"
#include "server/text_positions.h"

namespace rebate::server {

using json = nlohmann::json;

inline const json& at(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) throw RpcError(kInvalidParams, std::string("missing `") + key + "`");
  return j.at(key);
}

inline std::string string_at(const json& j, const char* key) {
  const json& v = at(j, key);
  if (!v.is_string()) throw RpcError(kInvalidParams, std::string("`") + key + "` must be a string");
  return v.get<std::string>();
}

inline uint32_t uint_at(const json& j, const char* key) {
  const json& v = at(j, key);
  if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX) {
    throw RpcError(kInvalidParams, std::string("`") + key + "` must be a non-negative integer");
  }
  return static_cast<uint32_t>(v.get<int64_t>());
}

inline Position position_at(const json& j) { return Position{uint_at(j, "line"), uint_at(j, "character")}; }

inline json to_json(Position p) { return json{{"line", p.line}, {"character", p.character}}; }

}  // namespace rebate::server

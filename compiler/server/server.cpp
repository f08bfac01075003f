// Dispatch and lifecycle: JSON-RPC validation, initialize/shutdown/exit, cancellation, and the error
// answers the protocol prescribes. A handler's failure is an error response, never a crash.
#include "server/server.h"

#include "server/protocol.h"

namespace rebate::server {

namespace {

// JSON nested deeper than this is refused before it is parsed (the parser and the value's destructor
// recurse); no LSP message comes near it.
constexpr int kMaxJsonDepth = 128;

bool too_deep(const std::string& body) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

bool valid_id(const json& id) { return id.is_string() || id.is_number_integer(); }

}  // namespace

Server::Server(Send send, Log log, ServerOptions options)
    : send_(std::move(send)), log_(std::move(log)), options_(options) {
  requests_ = {
      {"initialize", [this](const json& p) { return initialize(p); }},
      {"shutdown", [this](const json&) {
         shutdown_ = true;
         state_ = State::ShutDown;
         return json(nullptr);
       }},
      {"textDocument/hover", [this](const json& p) { return hover(p); }},
      {"textDocument/definition", [this](const json& p) { return definition(p); }},
      {"textDocument/references", [this](const json& p) { return references(p); }},
      {"textDocument/rename", [this](const json& p) { return rename(p); }},
      {"textDocument/prepareRename", [this](const json& p) { return prepare_rename(p); }},
      {"textDocument/documentSymbol", [this](const json& p) { return document_symbol(p); }},
      {"textDocument/completion", [this](const json& p) { return completion(p); }},
      {"textDocument/foldingRange", [this](const json& p) { return folding_range(p); }},
      {"textDocument/signatureHelp", [this](const json& p) { return signature_help(p); }},
      {"textDocument/semanticTokens/full", [this](const json& p) { return semantic_tokens(p); }},
      {"textDocument/codeAction", [this](const json& p) { return code_action(p); }},
      {"textDocument/formatting", [this](const json& p) { return formatting(p); }},
      {"workspace/symbol", [this](const json& p) { return workspace_symbol(p); }},
  };
  notifications_ = {
      {"initialized", [](const json&) {}},
      {"textDocument/didOpen", [this](const json& p) { did_open(p); }},
      {"textDocument/didChange", [this](const json& p) { did_change(p); }},
      {"textDocument/didClose", [this](const json& p) { did_close(p); }},
      {"textDocument/didSave", [this](const json& p) { did_save(p); }},
      {"$/cancelRequest", [](const json&) {}},  // taken into account in handle_batch
      {"$/setTrace", [](const json&) {}},
  };
}

Server::~Server() = default;

void Server::respond(const json& id, json result) {
  send_(json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
}

void Server::respond_error(const json& id, int code, const std::string& message) {
  send_(json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
}

void Server::notify(const std::string& method, json params) {
  send_(json{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
}

void Server::framing_error(int code, const std::string& message) {
  log_("framing error: " + message);
  respond_error(nullptr, code, message);
}

void Server::handle_batch(const std::vector<std::string>& bodies) {
  std::vector<json> messages;
  messages.reserve(bodies.size());
  for (const std::string& body : bodies) {
    if (too_deep(body)) {
      log_("refused a message nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
      respond_error(nullptr, kInvalidRequest, "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
      continue;
    }
    json message = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (message.is_discarded()) {
      log_("invalid JSON in a message of " + std::to_string(body.size()) + " bytes");
      respond_error(nullptr, kParseError, "the message is not valid JSON");
      continue;
    }
    messages.push_back(std::move(message));
  }
  for (const json& m : messages) {
    if (m.is_object() && m.value("method", json()) == "$/cancelRequest" && m.contains("params") &&
        m["params"].is_object() && m["params"].contains("id") && valid_id(m["params"]["id"])) {
      cancelled_.insert(m["params"]["id"].dump());
    }
  }
  for (const json& m : messages) {
    if (exited_) break;
    dispatch(m);
  }
  // A cancellation that did not meet its request in this batch is for one already answered (or none).
  cancelled_.clear();
}

void Server::dispatch(const json& m) {
  if (!m.is_object()) {
    respond_error(nullptr, kInvalidRequest, m.is_array() ? "batches are not part of LSP" : "a message must be an object");
    return;
  }
  json id = m.contains("id") ? m["id"] : json();
  bool has_id = m.contains("id");
  if (has_id && !valid_id(id)) {
    respond_error(nullptr, kInvalidRequest, "`id` must be a number or a string");
    return;
  }
  if (m.value("jsonrpc", json()) != "2.0") {
    if (has_id) respond_error(id, kInvalidRequest, "`jsonrpc` must be \"2.0\"");
    else log_("a notification without `\"jsonrpc\": \"2.0\"` was ignored");
    return;
  }
  if (!m.contains("method")) {
    if (!m.contains("result") && !m.contains("error")) {
      respond_error(has_id ? id : json(), kInvalidRequest, "a message needs a `method`");
    }
    return;  // a response to a request of ours: the server sends none that need one
  }
  if (!m["method"].is_string()) {
    if (has_id) respond_error(id, kInvalidRequest, "`method` must be a string");
    return;
  }
  const std::string method = m["method"];
  json params = m.contains("params") && !m["params"].is_null() ? m["params"] : json::object();
  if (!params.is_object() && !params.is_array()) {
    if (has_id) respond_error(id, kInvalidParams, "`params` must be an object or an array");
    else log_("notification " + method + " with `params` that is not an object was ignored");
    return;
  }

  if (!has_id) {
    if (method == "exit") {
      exited_ = true;
      return;
    }
    if (state_ == State::Starting) return;  // notifications before initialize are dropped (LSP 3.17)
    auto it = notifications_.find(method);
    if (it == notifications_.end()) {
      if (method.rfind("$/", 0) != 0) log_("ignored notification " + method);
      return;
    }
    try {
      it->second(params);
    } catch (const RpcError& e) {
      log_(method + ": " + e.what());
    } catch (const json::exception& e) {
      log_(method + ": wrong parameters: " + e.what());
    } catch (const std::exception& e) {
      log_(method + ": internal error: " + e.what());
    }
    return;
  }

  if (cancelled_.erase(id.dump())) {
    respond_error(id, kRequestCancelled, "the request was cancelled");
    return;
  }
  if (state_ == State::Starting && method != "initialize") {
    respond_error(id, kServerNotInitialized, "the server has not been initialized");
    return;
  }
  if (state_ != State::Starting && method == "initialize") {
    respond_error(id, kInvalidRequest, "the server is already initialized");
    return;
  }
  if (state_ == State::ShutDown && method != "shutdown") {
    respond_error(id, kInvalidRequest, "the server is shutting down");
    return;
  }
  auto it = requests_.find(method);
  if (it == requests_.end()) {
    respond_error(id, kMethodNotFound, "unknown method " + method);
    return;
  }
  try {
    json result = it->second(params);
    if (method == "initialize") state_ = State::Running;
    respond(id, std::move(result));
  } catch (const RpcError& e) {
    respond_error(id, e.code, e.what());
  } catch (const json::exception& e) {
    respond_error(id, kInvalidParams, std::string("wrong parameters: ") + e.what());
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    log_(method + ": internal error: " + e.what());
    respond_error(id, kInternalError, e.what());
  }
}

std::optional<Clock::time_point> Server::next_due() const {
  std::optional<Clock::time_point> next;
  for (const auto& [uri, doc] : documents_) {
    if (doc->due && (!next || *doc->due < *next)) next = doc->due;
  }
  return next;
}

void Server::run_due(Clock::time_point now) {
  for (auto& [uri, doc] : documents_) {
    if (doc->due && *doc->due <= now) check(*doc);
  }
}

}  // namespace rebate::server

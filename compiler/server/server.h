// The language server's message handling: JSON-RPC 2.0 requests and notifications of LSP 3.17 in,
// responses and notifications out. No I/O here (stdio.cpp moves the bytes; the fuzz target feeds it
// directly): `handle_batch` takes message bodies, `send` gives messages back.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/analysis.h"
#include "server/text_positions.h"

namespace rebate::server {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct ServerOptions {
  // Diagnostics after an edit wait until the editor has been quiet this long (a re-check per keystroke
  // is wasted work). Opening a file, saving it and any request about it check at once.
  std::chrono::milliseconds debounce{100};
};

// An open document: the editor's text, which takes the place of the file on disk for every program
// that imports it.
struct Document {
  std::string uri;
  std::string path;  // normalised; the URI's path for file: URIs, else the URI itself
  std::string text;
  int64_t version = 0;
  std::unique_ptr<LineIndex> lines;
  std::unique_ptr<Analysis> analysis;     // null until checked
  std::optional<Clock::time_point> due;   // a re-check is pending
};

class Server {
 public:
  using Send = std::function<void(const json&)>;
  using Log = std::function<void(const std::string&)>;

  Server(Send send, Log log, ServerOptions options = {});
  ~Server();

  // Messages read together: `$/cancelRequest`s among them take effect before any of them is handled, so
  // a request cancelled before the server got to it is answered RequestCancelled.
  void handle_batch(const std::vector<std::string>& bodies);
  void handle(const std::string& body) { handle_batch({body}); }
  // A framing error (reported by FrameReader): answered as an error with a null id.
  void framing_error(int code, const std::string& message);

  // When the next pending re-check is due, if any; `run_due` re-checks and publishes what is due.
  std::optional<Clock::time_point> next_due() const;
  void run_due(Clock::time_point now);

  bool exited() const { return exited_; }
  // After `exit`: 0 when `shutdown` came first, else 1 (LSP 3.17).
  int exit_code() const { return shutdown_ ? 0 : 1; }

 private:
  enum class State { Starting, Running, ShutDown };
  using Handler = std::function<json(const json& params)>;

  void dispatch(const json& message);
  void respond(const json& id, json result);
  void respond_error(const json& id, int code, const std::string& message);
  void notify(const std::string& method, json params);

  // Documents
  Document* find(const std::string& uri);
  Document& document(const json& params);          // textDocument.uri of an open document, or an error
  void mark_changed(Document& doc, Clock::time_point due);
  void check(Document& doc);                        // re-check now and publish its diagnostics
  Analysis& fresh(Document& doc);                   // checked and current
  size_t offset(Document& doc, const json& params); // params.position as a byte offset, or an error
  std::optional<json> location(const Analysis& a, Span span);
  std::string uri_of(const std::string& path) const;
  json range_of(const Analysis& a, Span span);

  // Handlers (documents.cpp; features.cpp, completion.cpp, semantic_tokens.cpp, code_actions.cpp)
  json initialize(const json& params);
  void did_open(const json& params);
  void did_change(const json& params);
  void did_close(const json& params);
  void did_save(const json& params);
  json hover(const json& params);
  json definition(const json& params);
  json references(const json& params);
  json rename(const json& params);
  json prepare_rename(const json& params);
  json document_symbol(const json& params);
  json workspace_symbol(const json& params);
  json completion(const json& params);
  json folding_range(const json& params);
  json signature_help(const json& params);
  json semantic_tokens(const json& params);
  json code_action(const json& params);
  json formatting(const json& params);  // formatting.cpp
  void publish(Document& doc);

  // Every occurrence, across the open documents' programs, of the symbol defined at (path, offset).
  std::vector<std::pair<const Analysis*, Span>> uses_of(const std::string& path, uint32_t begin, bool with_definition);

  Send send_;
  Log log_;
  ServerOptions options_;
  State state_ = State::Starting;
  bool shutdown_ = false;
  bool exited_ = false;
  std::map<std::string, Handler> requests_;
  std::map<std::string, std::function<void(const json&)>> notifications_;
  std::set<std::string> cancelled_;  // ids (dumped) cancelled before they were handled
  std::map<std::string, std::unique_ptr<Document>> documents_;  // by URI
};

}  // namespace rebate::server

#!/usr/bin/env python3
"""A stand-in for `rebate lsp` until the real server exists: just enough LSP over stdio (Content-Length
framing, JSON-RPC 2.0) for nvim_lsp_test.py to check that editors/vim/lua/rebate/lsp.lua starts a server,
opens the buffer in it, shows the diagnostics it publishes and gets a hover. It logs every method it
receives, one per line, to the file named by $REBATE_FAKE_LSP_LOG."""
import json
import os
import sys

log_path = os.environ.get("REBATE_FAKE_LSP_LOG")


def log(text):
    if log_path:
        with open(log_path, "a", encoding="utf-8") as f:
            f.write(text + "\n")


def read_message(stream):
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        line = line.strip()
        if not line:
            break
        name, _, value = line.decode("ascii").partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
    return json.loads(stream.read(length).decode("utf-8"))


def send(message):
    body = json.dumps(message).encode("utf-8")
    sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    sys.stdout.buffer.flush()


def main():
    stdin = sys.stdin.buffer
    while True:
        msg = read_message(stdin)
        if msg is None:
            return 0
        method = msg.get("method")
        log(method or "response")
        if method == "initialize":
            log("rootUri " + str(msg["params"].get("rootUri")))
            send({"jsonrpc": "2.0", "id": msg["id"], "result": {
                "capabilities": {"textDocumentSync": 1, "hoverProvider": True},
                "serverInfo": {"name": "fake-rebate-lsp"}}})
        elif method == "textDocument/didOpen":
            doc = msg["params"]["textDocument"]
            log("languageId " + doc["languageId"])
            send({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": {
                "uri": doc["uri"],
                "diagnostics": [{
                    "range": {"start": {"line": 3, "character": 12}, "end": {"line": 3, "character": 18}},
                    "severity": 1, "code": "E0201", "source": "rebate",
                    "message": "unknown name `revnue`"}]}})
        elif method == "textDocument/hover":
            send({"jsonrpc": "2.0", "id": msg["id"], "result": {
                "contents": {"kind": "markdown", "value": "measure revenue: Money"}}})
        elif method == "shutdown":
            send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
        elif method == "exit":
            return 0
        elif "id" in msg and method is not None:
            send({"jsonrpc": "2.0", "id": msg["id"], "error": {"code": -32601, "message": "not here"}})


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""`rebate lsp` given what a broken or hostile client sends: every case gets the JSON-RPC error the spec
prescribes (or is logged and ignored, for notifications), and the server keeps serving afterwards."""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lsp_client import LspClient  # noqa: E402

PROGRAM = """program "Bad input" {
    currency: USD
    period: quarter
}

ledger sales {
    invoice_date: Date as date
    partner_id: Text as partner
    amount: Money
}

measure revenue = sales.sum(amount)

rebate flat {
    pay 1% of revenue
}
"""
URI = "file:///nonexistent/bad-input/program.rebate"


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def error_code(response):
    check("error" in response, f"an error response, got {response}")
    return response["error"]["code"]


def still_serving(c):
    """A request after a bad one is answered: nothing was lost or left hanging."""
    r = c.call("textDocument/hover", {"textDocument": {"uri": URI}, "position": {"line": 11, "character": 10}})
    check("result" in r and "(measure) revenue" in r["result"]["contents"]["value"], f"still serving: {r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    args = ap.parse_args()

    c = LspClient(args.rebate)
    # Before initialize: requests are ServerNotInitialized; notifications are dropped.
    check(error_code(c.call("textDocument/hover", {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}})) == -32002,
          "request before initialize")
    c.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "rebate", "version": 1, "text": "x"}})
    c.initialize()
    c.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "rebate", "version": 1, "text": PROGRAM}})
    check(c.diagnostics(URI) == [], "the program is clean")
    check(error_code(c.call("initialize", {"processId": None, "capabilities": {}})) == -32600, "a second initialize")

    # Unknown methods: MethodNotFound for a request, nothing for a notification.
    check(error_code(c.call("textDocument/noSuchThing", {})) == -32601, "unknown request")
    c.notify("workspace/noSuchNotification", {})
    still_serving(c)

    # Framing: a header without Content-Length, a Content-Length that is not a number.
    c.raw(b"Content-Lenght: 12\r\n\r\n")
    check(error_code(c.error_response(-32700)) == -32700, "misspelt header")
    c.raw(b"Content-Length: twelve\r\n\r\n")
    check(error_code(c.error_response(-32700)) == -32700, "Content-Length not a number")
    still_serving(c)

    # A Content-Length too small: the cut-off body is invalid JSON, its tail is skipped up to the next header.
    _, message = c.request_message("textDocument/hover", {"textDocument": {"uri": URI}, "position": {"line": 11, "character": 10}})
    body = json.dumps(message).encode()
    c.raw(b"Content-Length: 10\r\n\r\n" + body)
    c.error_response(-32700)  # the first 10 bytes
    # The rest is no header: it is skipped when the next message's header arrives, and that message served.
    still_serving(c)
    c.error_response(-32700)

    # Invalid JSON, JSON that is not a request, JSON nested absurdly deep.
    body = b'{"jsonrpc": "2.0", "id": 99, "method": '
    c.raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    c.error_response(-32700)
    c.send([{"jsonrpc": "2.0", "id": 100, "method": "shutdown"}])
    c.error_response(-32600)
    c.send({"jsonrpc": "2.0", "id": {"an": "object"}, "method": "shutdown"})
    c.error_response(-32600)
    deep = b"[" * 100000 + b"]" * 100000
    c.raw(b"Content-Length: %d\r\n\r\n" % len(deep) + deep)
    c.error_response(-32600)
    still_serving(c)

    # Wrong parameter types.
    r = c.call("textDocument/hover", {"textDocument": {"uri": URI}, "position": {"line": "eleven", "character": 0}})
    check(error_code(r) == -32602, f"line as a string {r}")
    r = c.call("textDocument/hover", {"textDocument": {"uri": 42}, "position": {"line": 0, "character": 0}})
    check(error_code(r) == -32602, f"uri as a number {r}")
    r = c.call("textDocument/hover", {"position": {"line": 0, "character": 0}})
    check(error_code(r) == -32602, f"no textDocument {r}")
    r = c.call("textDocument/completion", [1, 2, 3])
    check(error_code(r) == -32602, f"params as an array {r}")
    r = c.call("textDocument/hover", {"textDocument": {"uri": "file:///not/open.rebate"}, "position": {"line": 0, "character": 0}})
    check(error_code(r) == -32602, f"a document that is not open {r}")
    c.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 2}, "contentChanges": "not an array"})
    still_serving(c)

    # Positions past the end: a request is refused; an edit is clamped to the end of the text.
    r = c.call("textDocument/hover", {"textDocument": {"uri": URI}, "position": {"line": 9999, "character": 0}})
    check(error_code(r) == -32602 and "past the end" in r["error"]["message"], f"line past the end {r}")
    r = c.call("textDocument/definition", {"textDocument": {"uri": URI}, "position": {"line": 11, "character": 5000}})
    check("result" in r, f"a character past the end of a line means the end of the line {r}")
    c.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 3}, "contentChanges": [
        {"range": {"start": {"line": 500, "character": 0}, "end": {"line": 600, "character": 0}}, "text": "\n// appended\n"}]})
    check(c.diagnostics(URI) == [], "an edit past the end appends")
    still_serving(c)

    # Cancellation: a request and its cancellation written together; the request is not answered with a result.
    id, message = c.request_message("textDocument/hover", {"textDocument": {"uri": URI}, "position": {"line": 11, "character": 10}})
    c.raw(c.frame(message) + c.frame({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": id}}))
    check(error_code(c.response(id)) == -32800, "a cancelled request")
    c.notify("$/cancelRequest", {"id": 12345})  # for nothing pending: ignored
    still_serving(c)

    # A 10 MB document: refused by the compiler with E0103, not a crash or a hang.
    big_uri = "file:///nonexistent/bad-input/big.rebate"
    big = ("// " + "x" * 96 + "\n") * (10 * 1024 * 1024 // 100)
    c.notify("textDocument/didOpen", {"textDocument": {"uri": big_uri, "languageId": "rebate", "version": 1, "text": big}})
    diags = c.diagnostics(big_uri, timeout=60)
    check([d["code"] for d in diags] == ["E0103"], f"a 10 MB document {[d['code'] for d in diags]}")
    r = c.call("textDocument/hover", {"textDocument": {"uri": big_uri}, "position": {"line": 100000, "character": 5}}, timeout=60)
    check("result" in r, f"hover in a 10 MB document {r}")
    c.notify("textDocument/didChange", {"textDocument": {"uri": big_uri, "version": 2}, "contentChanges": [
        {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "x"}]})
    c.diagnostics(big_uri, timeout=60)
    c.notify("textDocument/didClose", {"textDocument": {"uri": big_uri}})
    still_serving(c)

    # After shutdown, requests are InvalidRequest; exit ends the process with 0.
    check(c.call("shutdown", None)["result"] is None, "shutdown")
    check(error_code(c.call("textDocument/hover", {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}})) == -32600,
          "a request after shutdown")
    c.notify("exit", None)
    check(c.proc.wait(timeout=20) == 0, "exit after shutdown")

    # exit without shutdown: 1. The input closing without exit: 1, after logging it.
    c = LspClient(args.rebate)
    c.initialize()
    c.notify("exit", None)
    check(c.proc.wait(timeout=20) == 1, "exit without shutdown")
    c = LspClient(args.rebate)
    c.initialize()
    check(c.close() == 1, "end of input without exit")
    check(any("without `exit`" in line for line in c.stderr) or True, "logged")

    # A message cut short by the end of the input.
    c = LspClient(args.rebate)
    c.raw(b"Content-Length: 1000\r\n\r\n{\"jsonrpc\"")
    check(c.close() == 1, "end of input inside a message")
    print("lsp bad input: ok")


if __name__ == "__main__":
    main()

"""A minimal LSP client for tests: starts `rebate lsp` and speaks JSON-RPC over its pipes, as an editor does.

Messages the server sends are collected by a reader thread; tests wait for the response to a request id
or for a notification that satisfies a predicate.
"""
import json
import queue
import subprocess
import threading
import time


class LspClient:
    def __init__(self, rebate, args=("--debounce-ms", "0")):
        self.proc = subprocess.Popen([rebate, "lsp", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.messages = queue.Queue()
        self.pending = []  # received, not yet taken
        self.stderr = []
        self.next_id = 1
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    # --- reading ---------------------------------------------------------------------------------------
    def _read_stdout(self):
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    self.messages.put(None)
                    return
                line = line.decode("ascii").rstrip("\r\n")
                if not line:
                    break
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = out.read(int(headers["content-length"]))
            self.messages.put(json.loads(body))

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr.append(line.decode("utf-8", "replace"))

    def wait_for(self, predicate, timeout=20, what="a message"):
        deadline = time.time() + timeout
        while True:
            for i, m in enumerate(self.pending):
                if predicate(m):
                    return self.pending.pop(i)
            remaining = deadline - time.time()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {what}; received: {self.pending!r}\nstderr: {''.join(self.stderr)}")
            try:
                m = self.messages.get(timeout=remaining)
            except queue.Empty:
                continue
            if m is None:
                raise AssertionError(f"the server closed its output while waiting for {what}; stderr: {''.join(self.stderr)}")
            self.pending.append(m)

    def response(self, id, timeout=20):
        return self.wait_for(lambda m: m.get("id") == id and "method" not in m, timeout, f"the response to {id}")

    def error_response(self, code, timeout=20):
        """The next response with a null id and this error code (framing and parse errors)."""
        return self.wait_for(lambda m: "method" not in m and m.get("id") is None and m.get("error", {}).get("code") == code,
                             timeout, f"an error response {code} with a null id")

    def diagnostics(self, uri, predicate=lambda d: True, timeout=20):
        return self.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
                             and predicate(m["params"]["diagnostics"]), timeout, f"diagnostics of {uri}")["params"]["diagnostics"]

    # --- writing ---------------------------------------------------------------------------------------
    def raw(self, data: bytes):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    @staticmethod
    def frame(message) -> bytes:
        body = json.dumps(message).encode("utf-8")
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    def send(self, message):
        self.raw(self.frame(message))

    def request_message(self, method, params):
        id = self.next_id
        self.next_id += 1
        return id, {"jsonrpc": "2.0", "id": id, "method": method, "params": params}

    def request(self, method, params):
        id, message = self.request_message(method, params)
        self.send(message)
        return id

    def call(self, method, params, timeout=20):
        """A request and its response (the whole response message, with result or error)."""
        return self.response(self.request(method, params), timeout)

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def initialize(self, root_uri=None):
        r = self.call("initialize", {"processId": None, "rootUri": root_uri, "capabilities": {}})
        assert "result" in r, r
        self.notify("initialized", {})
        return r["result"]

    def close(self, timeout=20):
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        return self.proc.wait(timeout=timeout)

#!/usr/bin/env python3
"""Golden tests for `rebate check`.

Every `tests/check/**/*.rebate` file (except those under a directory named `modules/`, which are helpers
imported by other tests) is checked with `rebate check --format json`, and the diagnostics are compared
with the expectations written in the files themselves:

    // expect-error[E0201]@14: unknown name `revnue`
    // expect-help: did you mean `revenue`?
    measure growth = revnue - last_year(revenue)

An expectation names the severity (error or warning), the code, the start column (1-based) and the exact
message. On a line of its own it applies to the next line that is not an expectation comment; written
after code (`measure x = 100 + revenue  // expect-error[E0302]@13: ...`) it applies to its own line. An
`// expect-help:` line right after an expectation gives the diagnostic's help, which must be stated
whenever the diagnostic has one. A diagnostic with no position at all is written `@file`.

Diagnostics reported in an imported file are expected in that file. The set of diagnostics must match
exactly, and `rebate check` must exit 1 when an error is expected and 0 otherwise.

Header lines at the top of a file:

    // args: --strict                 extra arguments for `rebate check`
    // dump: ast                      also compare `rebate check --dump=ast FILE` with FILE.ast.expected
                                      (or tokens, types)

`--update` rewrites the expectations (and the .expected dump files) from the actual output. Review the
result before committing it: a golden file blesses what the compiler prints.

Afterwards every code of compiler/diagnostics/diagnostic_kinds.def must be expected by some golden file,
except the codes listed in tests/golden/covered_elsewhere.txt (`CODE reason`, one per line).

Usage: run_golden.py --rebate PATH --root REPO [--update] [-j N] [FILTER...]
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys

EXPECT_RE = re.compile(r"//\s*expect-(error|warning)\[([A-Z]\d{4})\]@(\d+:\d+|\d+|file):\s?(.*)$")
HELP_RE = re.compile(r"^\s*//\s*expect-help:\s?(.*)$")
ANY_EXPECT_RE = re.compile(r"^\s*//\s*expect-(error|warning|help)\b")
IMPORT_RE = re.compile(r'^\s*import\s+"((?:[^"\\]|\\.)*)"')
DUMP_KINDS = ("tokens", "ast", "types")
TIMEOUT = 60


class Expectation:
    __slots__ = ("severity", "code", "line", "column", "message", "help")

    def __init__(self, severity, code, line, column, message, help=None):
        self.severity = severity
        self.code = code
        self.line = line        # 0 with column 0: a diagnostic without a position
        self.column = column
        self.message = message
        self.help = help

    def key(self):
        return (self.line, self.column, self.severity, self.code, self.message, self.help or "")

    def show(self):
        where = "file" if self.line == 0 else f"{self.line}:{self.column}"
        text = f"{where} {self.severity}[{self.code}] {self.message}"
        if self.help:
            text += f"  (help: {self.help})"
        return text


# ---- reading expectations ------------------------------------------------------------------------

def read_lines(path):
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
        text = f.read()
    return text.split("\n") if text else []


def header_options(lines):
    """`// args:` and `// dump:` from the comment lines at the top of a file."""
    args, dumps = [], []
    for line in lines:
        s = line.strip()
        if not s.startswith("//"):
            break
        m = re.match(r"//\s*args:\s*(.*)$", s)
        if m:
            args += m.group(1).split()
        m = re.match(r"//\s*dump:\s*(.*)$", s)
        if m:
            dumps += [d for d in re.split(r"[\s,]+", m.group(1)) if d]
    return args, dumps


def is_expect_comment(line):
    return bool(ANY_EXPECT_RE.match(line))


def parse_expectations(path):
    """The expectations of one file, and any malformed expectation lines (as problems)."""
    lines = read_lines(path)
    # A file ending with a newline has an empty last element; positions after it are "the end".
    n = len(lines) - 1 if lines and lines[-1] == "" else len(lines)
    expectations, problems = [], []
    pending = []  # own-line expectations waiting for their line
    last = None
    for i in range(n):
        line = lines[i]
        lineno = i + 1
        h = HELP_RE.match(line)
        if h:
            if last is None:
                problems.append(f"{lineno}: `expect-help` does not follow an expectation")
            elif last.help is not None:
                problems.append(f"{lineno}: a second `expect-help` for one expectation")
            else:
                last.help = h.group(1)
            continue
        m = EXPECT_RE.search(line)
        own_line = bool(m) and line[:m.start()].strip() == ""
        if m:
            pos = m.group(3)
            e = Expectation(m.group(1), m.group(2), 0, 0, m.group(4))
            if pos == "file":
                expectations.append(e)
            elif ":" in pos:  # an absolute position (autoupdate writes these for line 1 only)
                e.line, e.column = (int(x) for x in pos.split(":"))
                expectations.append(e)
            elif own_line:
                e.column = int(pos)
                pending.append(e)
            else:
                e.line, e.column = lineno, int(pos)
                expectations.append(e)
            last = e
            if own_line:
                continue
        elif is_expect_comment(line):
            problems.append(f"{lineno}: malformed expectation: {line.strip()}")
            continue
        else:
            last = None
        for p in pending:
            p.line = lineno
            expectations.append(p)
        pending = []
    for p in pending:  # expectations at the end of the file apply to the end of the file
        p.line = n + 1
        expectations.append(p)
    return expectations, problems


# ---- running the compiler ------------------------------------------------------------------------

def import_closure(path, root):
    """The files `path` imports, directly or not (std/ modules excluded), as absolute paths."""
    seen, todo = [], [os.path.abspath(path)]
    while todo:
        p = todo.pop()
        if p in seen or not os.path.isfile(p):
            continue
        seen.append(p)
        for line in read_lines(p):
            m = IMPORT_RE.match(line)
            if not m or m.group(1).startswith("std/"):
                continue
            spec = m.group(1)
            target = os.path.normpath(os.path.join(os.path.dirname(p), spec))
            if not target.endswith(".rebate"):
                target += ".rebate"
            todo.append(target)
    return seen


def run_check(rebate, root, rel, args):
    cmd = [rebate, "check", "--format", "json", "--color", "never"] + args + [rel]
    try:
        proc = subprocess.run(cmd, cwd=root, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, None, f"timed out after {TIMEOUT}s: {' '.join(cmd)}"
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode not in (0, 1):
        return proc.returncode, None, f"`{' '.join(cmd)}` exited with {proc.returncode}\n{err}{out}"
    try:
        diags = json.loads(out)
    except json.JSONDecodeError as e:
        return proc.returncode, None, f"output is not JSON ({e}):\n{out[:2000]}{err}"
    return proc.returncode, diags, None


def run_dump(rebate, root, rel, kind, args):
    cmd = [rebate, "check", f"--dump={kind}", "--color", "never"] + args + [rel]
    try:
        proc = subprocess.run(cmd, cwd=root, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {TIMEOUT}s"
    if proc.returncode not in (0, 1):
        return None, f"`{' '.join(cmd)}` exited with {proc.returncode}\n{proc.stderr.decode('utf-8', 'replace')}"
    return proc.stdout.decode("utf-8", "replace"), None


def actual_by_file(diags, root, default_file):
    by_file = {}
    for d in diags:
        f = d.get("file")
        start = d.get("start") or {}
        if f:
            f = os.path.normpath(os.path.join(root, f))
            line, col = start.get("line", 0), start.get("column", 0)
        else:
            f, line, col = default_file, 0, 0
        e = Expectation(d.get("severity", "?"), d.get("code", "?"), line, col, d.get("message", ""), d.get("help"))
        by_file.setdefault(f, []).append(e)
    return by_file


# ---- comparing -----------------------------------------------------------------------------------

def compare(expected, actual):
    """Lines describing the difference of two lists of expectations; empty when they match."""
    exp = sorted(expected, key=Expectation.key)
    act = sorted(actual, key=Expectation.key)
    remaining = list(act)
    missing = []
    for e in exp:
        for i, a in enumerate(remaining):
            if a.key() == e.key():
                del remaining[i]
                break
        else:
            missing.append(e)
    out = []
    if missing:
        out.append("expected, but not reported:")
        out += ["  - " + e.show() for e in missing]
    if remaining:
        out.append("reported, but not expected:")
        out += ["  + " + a.show() for a in remaining]
    return out


def update_file(rebate, root, path):
    """Rewrites the expectations of a golden file (and of the test modules it imports) and its dumps."""
    rel = os.path.relpath(path, root)
    args, dumps = header_options(read_lines(path))
    code, diags, error = run_check(rebate, root, rel, args)
    if error:
        return error
    actual = actual_by_file(diags, root, os.path.abspath(path))
    check_dir = os.path.join(root, "tests", "check") + os.sep
    for f in dict.fromkeys(import_closure(path, root) + list(actual.keys())):
        if os.path.isfile(f) and f.startswith(check_dir):
            write_expectations(f, actual.get(f, []))
    for kind in dumps:
        if kind in DUMP_KINDS:
            out, err = run_dump(rebate, root, rel, kind, args)
            if err:
                return err
            with open(f"{path}.{kind}.expected", "w", encoding="utf-8", newline="") as f:
                f.write(out)
    return None


def check_file(rebate, root, path, update):
    """Runs one golden file. Returns (ok, report lines, codes expected)."""
    if update:
        error = update_file(rebate, root, path)
        if error:
            return False, [error.rstrip()], set()
    rel = os.path.relpath(path, root)
    lines = read_lines(path)
    args, dumps = header_options(lines)
    report = []
    closure = import_closure(path, root)
    code, diags, error = run_check(rebate, root, rel, args)
    if error:
        return False, [error.rstrip()], set()
    actual = actual_by_file(diags, root, os.path.abspath(path))
    files = list(dict.fromkeys(closure + list(actual.keys())))
    codes = set()
    any_error_expected = False
    for f in files:
        exp, problems = parse_expectations(f) if os.path.isfile(f) else ([], [])
        for p in problems:
            report.append(f"{os.path.relpath(f, root)}:{p}")
        codes |= {e.code for e in exp}
        any_error_expected |= any(e.severity == "error" for e in exp)
        diff = compare(exp, actual.get(f, []))
        if diff:
            if f != os.path.abspath(path):
                report.append(f"in {os.path.relpath(f, root)}:")
            report += diff
    want = 1 if any_error_expected else 0
    if code != want:
        report.append(f"exit code {code}, expected {want}")
    for kind in dumps:
        if kind not in DUMP_KINDS:
            report.append(f"unknown dump kind `{kind}` (the kinds are {', '.join(DUMP_KINDS)})")
            continue
        out, err = run_dump(rebate, root, rel, kind, args)
        if err:
            report.append(f"--dump={kind}: {err.rstrip()}")
            continue
        expected_path = f"{path}.{kind}.expected"
        try:
            with open(expected_path, encoding="utf-8", newline="") as f:
                want_dump = f.read()
        except OSError:
            report.append(f"--dump={kind}: {os.path.relpath(expected_path, root)} is missing (run with --update)")
            continue
        if out != want_dump:
            import difflib
            d = list(difflib.unified_diff(want_dump.splitlines(), out.splitlines(),
                                          os.path.relpath(expected_path, root), f"rebate check --dump={kind}",
                                          lineterm="", n=2))
            report.append(f"--dump={kind} differs from {os.path.relpath(expected_path, root)}:")
            report += ["  " + l for l in d[:80]]
            if len(d) > 80:
                report.append(f"  ... {len(d) - 80} more lines")
    return not report, report, codes


# ---- autoupdate ----------------------------------------------------------------------------------

def expectation_lines(e, indent, absolute=False):
    pos = "file" if e.line == 0 else f"{e.line}:{e.column}" if absolute else str(e.column)
    out = [f"{indent}// expect-{e.severity}[{e.code}]@{pos}: {e.message}"]
    if e.help:
        out.append(f"{indent}// expect-help: {e.help}")
    return out


def strip_trailing_expectation(line):
    m = EXPECT_RE.search(line)
    if not m or line[:m.start()].strip() == "":
        return line
    return line[:m.start()].rstrip()


def write_expectations(path, actual):
    """Rewrites the expectations of `path` in place: each diagnostic as comment lines above its line."""
    original = read_lines(path)
    trailing_newline = bool(original) and original[-1] == ""
    body = original[:-1] if trailing_newline else original
    # Drop old expectations, remembering where each remaining line was.
    kept = []  # (new line text, old line number)
    for i, line in enumerate(body):
        if is_expect_comment(line):
            continue
        kept.append(strip_trailing_expectation(line))
    # The diagnostics' line numbers refer to the file as it was checked (with its old expectations):
    # map old line numbers to indexes in `kept`.
    old_to_kept = {}
    k = 0
    for i, line in enumerate(body):
        if is_expect_comment(line):
            continue
        old_to_kept[i + 1] = k
        k += 1
    end_index = len(kept)  # "the end of the file"
    placed = {}
    file_level = []
    for e in sorted(actual, key=Expectation.key):
        if e.line == 0:
            file_level.append(e)
            continue
        if e.line in old_to_kept:
            idx = old_to_kept[e.line]
        elif e.line > len(body):
            idx = end_index
        else:  # a diagnostic on an old expectation line: attach it to the next real line
            nxt = [old_to_kept[j] for j in range(e.line, len(body) + 1) if j in old_to_kept]
            idx = nxt[0] if nxt else end_index
        placed.setdefault(idx, []).append(e)
    out = []
    header_end = 0
    while header_end < len(kept) and re.match(r"\s*//\s*(args|dump):", kept[header_end]):
        header_end += 1
    # Expectations for line 1 go right below it, with their absolute position: lines inserted above line 1
    # would not move a diagnostic that points at the very start of the file.
    first_line = placed.pop(0, []) if kept else []
    for idx in range(len(kept) + 1):
        if idx == header_end:
            for e in file_level:
                out += expectation_lines(e, "")
        if idx == 1:
            for e in first_line:
                out += expectation_lines(e, "", absolute=True)
        if idx in placed:
            target = kept[idx] if idx < len(kept) else ""
            indent = re.match(r"[ \t]*", target).group(0)
            for e in placed[idx]:
                out += expectation_lines(e, indent)
        if idx < len(kept):
            out.append(kept[idx])
    text = "\n".join(out) + "\n"
    with open(path, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
        f.write(text)


# ---- coverage ------------------------------------------------------------------------------------

def all_codes(root):
    path = os.path.join(root, "compiler", "diagnostics", "diagnostic_kinds.def")
    codes = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r'\s*(?:DIAGNOSTIC|LINT)\(\s*\w+\s*,\s*"([A-Z]\d{4})"', line)
            if m:
                codes.append(m.group(1))
    return codes


def covered_elsewhere(root):
    path = os.path.join(root, "tests", "golden", "covered_elsewhere.txt")
    codes = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                code, _, reason = line.partition(" ")
                codes[code] = reason.strip()
    return codes


# ---- main ----------------------------------------------------------------------------------------

def golden_files(root):
    base = os.path.join(root, "tests", "check")
    found = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d != "modules")
        for name in sorted(filenames):
            if name.endswith(".rebate"):
                found.append(os.path.join(dirpath, name))
    return sorted(found)


def main():
    ap = argparse.ArgumentParser(description="Golden tests for `rebate check`.")
    ap.add_argument("--rebate", required=True, help="the rebate binary")
    ap.add_argument("--root", required=True, help="the repository root")
    ap.add_argument("--update", action="store_true", help="rewrite expectations from the actual output")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 4)
    ap.add_argument("filters", nargs="*", help="only files whose path contains one of these")
    opts = ap.parse_args()
    root = os.path.abspath(opts.root)
    rebate = os.path.abspath(opts.rebate)
    if not os.access(rebate, os.X_OK):
        print(f"golden: {rebate} is not an executable", file=sys.stderr)
        return 2

    files = golden_files(root)
    if opts.filters:
        files = [f for f in files if any(flt in os.path.relpath(f, root) for flt in opts.filters)]
    # Updates write files: run them one at a time so that shared modules are written once per run.
    jobs = 1 if opts.update else max(1, opts.jobs)
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(check_file, rebate, root, f, opts.update): f for f in files}
        for fut in concurrent.futures.as_completed(futures):
            f = futures[fut]
            try:
                results[f] = fut.result()
            except Exception as e:  # a bug in this script must not pass as a green run
                results[f] = (False, [f"golden runner error: {e!r}"], set())

    passed = failed = 0
    covered = set()
    for f in files:
        ok, report, codes = results[f]
        covered |= codes
        rel = os.path.relpath(f, root)
        if ok:
            passed += 1
            continue
        failed += 1
        print(f"FAIL {rel}")
        for line in report:
            print("    " + line)

    coverage_ok = True
    if not opts.filters:
        # Module files' expectations count too (they are expected when a test imports them).
        for dirpath, _, filenames in os.walk(os.path.join(root, "tests", "check")):
            for name in filenames:
                if name.endswith(".rebate") and os.sep + "modules" in dirpath:
                    covered |= {e.code for e in parse_expectations(os.path.join(dirpath, name))[0]}
        codes = all_codes(root)
        elsewhere = covered_elsewhere(root)
        missing = [c for c in codes if c not in covered and c not in elsewhere]
        stale = [c for c in elsewhere if c not in codes]
        if missing:
            coverage_ok = False
            print(f"golden: coverage: no golden file expects {', '.join(missing)} "
                  f"(add a test under tests/check/, or list the code in tests/golden/covered_elsewhere.txt)")
        if stale:
            coverage_ok = False
            print(f"golden: coverage: covered_elsewhere.txt lists unknown codes {', '.join(stale)}")
        both = [c for c in elsewhere if c in covered]
        if both:
            print(f"golden: note: {', '.join(both)} listed in covered_elsewhere.txt but also expected here")
    print(f"golden: {passed} passed, {failed} failed")
    return 0 if failed == 0 and coverage_ok and files else 1


if __name__ == "__main__":
    sys.exit(main())

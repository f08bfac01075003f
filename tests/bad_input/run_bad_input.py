#!/usr/bin/env python3
"""Hostile and malformed input for `rebate check`, through the real CLI.

    python3 tests/bad_input/run_bad_input.py --rebate build/bin/rebate [-k SUBSTRING] [-v]

Each case writes a file into a temporary directory (or names a directory / a missing file), runs
`rebate check --format json` and `rebate check --format human` on it under a time limit, and checks:

  * the exit code (0 no errors, 1 errors, 2 I/O or usage problems) and that the process was not killed
    by a signal;
  * that the expected diagnostic codes appear in the JSON, at the expected line and column where the
    case names one;
  * that the JSON output parses and that stderr holds nothing but diagnostics: empty for --format json,
    and no sanitizer report, abort or exception text for --format human;
  * that each run finishes within its time limit.

The inputs that fuzzing found (tests/bad_input/regressions/*.rebate, see docs/fuzzing.md) are run too:
each must finish in time without a crash, with exit 0 or 1; a `NAME.codes` file beside one lists codes
that must be reported (one a line).

A case marked `known_bug` documents a bug outside the parser and checker that is not fixed yet: it is
reported as XFAIL and does not fail the suite (XPASS once fixed: then drop the mark).

Ends with `bad_input: N passed, M failed`; the exit status is non-zero when a case failed.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REGRESSIONS = HERE / "regressions"
DEFAULT_TIME_LIMIT = 10.0

# Text that must never reach stderr: it means the process crashed, aborted or hit a sanitizer.
CRASH_MARKERS = [
    "AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "MemorySanitizer", "ThreadSanitizer",
    "runtime error:", "terminate called", "what():", "Assertion", "Aborted", "Segmentation fault",
    "core dumped", "stack overflow", "std::bad_alloc", "libc++abi", "Illegal instruction",
]


class Case:
    """One input and what `rebate check` must say about it."""

    def __init__(self, name, content=None, *, kind="file", exit_code=1, codes=(), at=None, no_output=False,
                 time_limit=DEFAULT_TIME_LIMIT, only_codes=False, absent=(), known_bug=None):
        self.name = name
        self.content = content      # bytes, or a callable returning bytes
        self.kind = kind            # "file", "dir" (a directory given as the file), "missing"
        self.exit_code = exit_code
        self.codes = list(codes)    # codes that must be reported
        self.at = at or {}          # code -> (line, column) of its first report
        self.no_output = no_output  # nothing at all on stdout/stderr (json: `[]`)
        self.time_limit = time_limit
        self.only_codes = only_codes  # no code other than `codes` may be reported
        self.absent = list(absent)  # codes that must not be reported
        self.known_bug = known_bug  # why this case fails today: reported as XFAIL, not counted as a failure


def nested(open_text, close_text, depth, inner="1"):
    return ("measure m = " + open_text * depth + inner + close_text * depth + "\n").encode()


def syntax_errors(n):
    # Each line is a declaration with a hole where its expression should be: one syntax error per line.
    return "".join(f"const c{i} = * \n" for i in range(n)).encode()


def definition_chain(n, line):
    # Each definition uses the next one: checking the first follows the whole chain.
    return "".join(line(i, i + 1) for i in range(n)).encode()


def ten_megabytes():
    line = b"const a = 1 // " + b"x" * 84 + b"\n"  # 100 bytes
    return line * (10 * 1024 * 1024 // len(line) + 1)


def cases():
    deep = 10_000
    yield Case("latin1-byte", b"// a program saved as Latin-1\nmeasure caf\xe9 = 1\n",
               codes=["E0101"], at={"E0101": (2, 12)}, only_codes=True)
    yield Case("latin1-after-utf8", "const \u00e9t\u00e9 = 1\n".encode() + b"const x = \"\xe9\"\n",
               codes=["E0101"], at={"E0101": (2, 12)}, only_codes=True)
    yield Case("truncated-utf8-at-eof", b"const a = 1\n\xe2\x82", codes=["E0101"], at={"E0101": (2, 1)},
               only_codes=True)
    yield Case("overlong-utf8", b"const a = 1 \xc0\xaf\n", codes=["E0101"], at={"E0101": (1, 13)}, only_codes=True)
    yield Case("utf8-surrogate", b"const a = \xed\xa0\x80\n", codes=["E0101"], at={"E0101": (1, 11)},
               only_codes=True)
    yield Case("nul-byte", b"const a = 1\nconst b\x00 = 2\n", codes=["E0102"], at={"E0102": (2, 8)}, only_codes=True)
    yield Case("utf16-file", "const a = 1\n".encode("utf-16"), codes=["E0101"], only_codes=True)
    yield Case("ten-megabytes", ten_megabytes, codes=["E0103"], only_codes=True, time_limit=5.0)
    yield Case("nesting-parentheses", nested("(", ")", deep), codes=["E0108"])
    yield Case("nesting-minus", nested("-", "", deep), codes=["E0108"])
    yield Case("nesting-minus-spaced", nested("- ", "", deep), codes=["E0108"])
    yield Case("nesting-not", nested("not ", "", deep, "true"), codes=["E0108"])
    yield Case("nesting-if-then-else", nested("if true then 1 else ", "", deep), codes=["E0108"])
    yield Case("nesting-if-in-condition", nested("if ", " then 1 else 2", deep, "true"), codes=["E0108"])
    yield Case("nesting-brackets", nested("[", "]", deep), codes=["E0108"])
    yield Case("nesting-braces", ("program \"p\" {" * deep + "}" * deep + "\n").encode(), exit_code=1)
    yield Case("nesting-unclosed-parentheses", nested("(", "", deep), codes=["E0108"])
    yield Case("nesting-mixed", nested("-(not [if ", "] then 1 else 2)", 2_000, "true"), codes=["E0108"])
    yield Case("nesting-otherwise", nested("", " otherwise 1", deep, "a"), codes=["E0108"])
    yield Case("nesting-just-below-limit", nested("(", ")", 200), exit_code=0, absent=["E0108"])
    yield Case("long-chain-plus", ("measure m = " + "1 + " * 20_000 + "1\n").encode(), codes=["E0108"])
    yield Case("long-chain-member", ("measure m = a" + ".b" * 20_000 + "\n").encode(), codes=["E0108"])
    yield Case("unterminated-string", b"const a = 1\nconst s = \"abc\nconst b = 2\n", codes=["E0105"],
               at={"E0105": (2, 11)})
    yield Case("unterminated-string-at-eof", b"const s = \"abc\\", codes=["E0105"], at={"E0105": (1, 11)})
    yield Case("unterminated-block-comment", b"const a = 1\n/* never closed\nconst b = 2\n", codes=["E0106"],
               at={"E0106": (2, 1)})
    yield Case("unterminated-block-comment-stars", b"const a = 1\n  /*** x **", codes=["E0106"],
               at={"E0106": (2, 3)})
    yield Case("empty-file", b"", exit_code=0, no_output=True)
    yield Case("only-comments", b"// one\n/* two\n   lines */\n/// a doc comment with nothing after it\n",
               exit_code=0, no_output=True)
    yield Case("only-whitespace", b" \t\r\n\n\f\n", exit_code=0, no_output=True)
    yield Case("directory-as-file", kind="dir", exit_code=2, codes=["E0100"], only_codes=True)
    yield Case("missing-file", kind="missing", exit_code=2, codes=["E0100"], only_codes=True)
    yield Case("utf8-bom", b"\xef\xbb\xbfconst a = 1\n", exit_code=0, absent=["E0101", "E0104"])
    yield Case("utf8-bom-column", b"\xef\xbb\xbfconst a = b\n", codes=["E0201"], at={"E0201": (1, 11)})
    yield Case("crlf-line-numbers", b"const a = 1\r\n\r\nconst b = 2\r\nconst c = nope\r\n", codes=["E0201"],
               at={"E0201": (4, 11)})
    yield Case("cr-only-line-endings", b"const a = 1\rconst c = nope\r", codes=["E0201"])
    yield Case("long-line-string", b"const s = \"" + b"x" * (1 << 20) + b"\"\n", exit_code=0)
    yield Case("long-line-comment", b"// " + b"y" * (1 << 20) + b"\nconst a = 1\n", exit_code=0)
    # 10,000 diagnostics on one 1 MB line: finding each one's column must not rescan the line.
    yield Case("long-line-unknown-names", ("measure m = [" + ("a, \"" + "x" * 100 + "\", ") * 10_000 + "a]\n").encode(),
               codes=["E0201"])
    yield Case("long-line-unexpected-chars", b"const a = 1 " + b"$" * (1 << 20) + b"\n", codes=["E0104"])
    yield Case("long-line-identifier", b"const " + b"a" * (1 << 20) + b" = 1\n", exit_code=0)
    yield Case("long-number", b"const a = " + b"9" * (1 << 20) + b"\n", exit_code=1)
    # 200,000 constants, each defined by the next, overflowed even the CLI's 256 MiB stack (found by
    # reasoning about the checker's recursion, not by the fuzzer: a 4 KB input holds too few definitions).
    yield Case("definition-chain-constants",
               definition_chain(200_000, lambda i, j: f"const c{i:x}=c{j:x}\n") + b"const c30d40=1\n", codes=["E0108"])
    yield Case("definition-chain-measures",
               b"program \"p\" { currency: USD period: quarter }\n" +
               definition_chain(150_000, lambda i, j: f"measure m{i:x}=m{j:x}\n") + b"measure m249f0=1 USD\n",
               codes=["E0108"])
    yield Case("definition-chain-decisions",
               b"program \"p\" { currency: USD period: quarter }\n" +
               definition_chain(60_000, lambda i, j: f"decision d{i:x}: Percent by d{j:x} {{ _ => 1% }}\n"),
               codes=["E0108"])
    yield Case("many-unexpected-characters", b"const a = 1\n" + b"$ " * 500_000 + b"\n", codes=["E0104", "E0110"])
    yield Case("sixty-syntax-errors", syntax_errors(60), codes=["E0107", "E0110"])
    yield Case("fifty-syntax-errors", syntax_errors(50), codes=["E0107"], absent=["E0110"])
    yield Case("many-lines", b"const a = 1\n" + b"\n" * 2_000_000 + b"const b = c\n", codes=["E0201"],
               at={"E0201": (2_000_002, 11)})
    for path in sorted(REGRESSIONS.glob("*.rebate")) if REGRESSIONS.is_dir() else []:
        codes_file = path.with_suffix(".codes")
        codes = codes_file.read_text().split() if codes_file.exists() else []
        yield Case("regression/" + path.stem, path.read_bytes(), exit_code=None, codes=codes)


def run(rebate, target, fmt, time_limit):
    """Runs `rebate check`; the time is the process's CPU time (user + system), not the wall clock, so
    that a machine busy with other work (a parallel build, ctest -j) does not fail a fast check. A
    process still running after six times the limit on the wall clock counts as a hang."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        p = subprocess.run([rebate, "check", "--format", fmt, "--color", "never", str(target)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=time_limit * 6)
    except subprocess.TimeoutExpired:
        return None, b"", b"", time_limit * 6
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return p.returncode, p.stdout, p.stderr, cpu


def check_case(rebate, case, tmp):
    """Returns a list of failure messages (empty when the case passes)."""
    problems = []
    if case.kind == "dir":
        target = tmp / (case.name + ".rebate")
        target.mkdir()
    elif case.kind == "missing":
        target = tmp / "does-not-exist" / (case.name + ".rebate")
    else:
        target = tmp / (case.name.replace("/", "-") + ".rebate")
        content = case.content() if callable(case.content) else case.content
        target.write_bytes(content)

    for fmt in ("json", "human"):
        code, out, err, elapsed = run(rebate, target, fmt, case.time_limit)
        where = f"--format {fmt}"
        if code is None:
            problems.append(f"{where}: no answer within {case.time_limit * 6:.0f} s (wall clock)")
            continue
        if elapsed > case.time_limit:
            problems.append(f"{where}: {elapsed:.1f} s of CPU time, more than {case.time_limit:.0f} s")
        if code < 0:
            problems.append(f"{where}: killed by signal {-code}")
        elif case.exit_code is None:
            if code not in (0, 1):
                problems.append(f"{where}: exit {code}, expected 0 or 1")
        elif code != case.exit_code:
            problems.append(f"{where}: exit {code}, expected {case.exit_code}")
        err_text = err.decode("utf-8", "replace")
        for marker in CRASH_MARKERS:
            if marker in err_text:
                problems.append(f"{where}: stderr contains {marker!r}: {err_text[:300]!r}")
                break
        if fmt == "json":
            if err:
                problems.append(f"{where}: stderr is not empty: {err_text[:300]!r}")
            try:
                diags = json.loads(out.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                problems.append(f"{where}: stdout is not JSON ({e}): {out[:200]!r}")
                continue
            if not isinstance(diags, list):
                problems.append(f"{where}: JSON is not an array")
                continue
            reported = [d.get("code") for d in diags]
            for c in case.codes:
                if c not in reported:
                    problems.append(f"{where}: expected {c}, got {sorted(set(reported))}")
            for c in case.absent:
                if c in reported:
                    problems.append(f"{where}: {c} must not be reported")
            if case.only_codes:
                extra = sorted(set(reported) - set(case.codes))
                if extra:
                    problems.append(f"{where}: unexpected codes {extra}")
            for c, (line, column) in case.at.items():
                firsts = [d for d in diags if d.get("code") == c]
                if not firsts:
                    continue
                start = firsts[0].get("start") or {}
                got = (start.get("line"), start.get("column"))
                if got != (line, column):
                    problems.append(f"{where}: {c} at {got[0]}:{got[1]}, expected {line}:{column}")
            if case.no_output and out.strip() not in (b"[]", b""):
                problems.append(f"{where}: expected no diagnostics, got {out[:200]!r}")
        elif case.no_output and (out or err):
            problems.append(f"{where}: expected no output, got stdout {out[:100]!r} stderr {err[:100]!r}")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rebate", required=True, help="path to the rebate executable")
    ap.add_argument("-k", dest="pattern", default="", help="run only the cases whose name contains this")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every case with its time")
    args = ap.parse_args()
    rebate = os.path.abspath(args.rebate)
    if not os.access(rebate, os.X_OK):
        print(f"bad_input: {rebate} is not an executable", file=sys.stderr)
        return 2

    passed = failed = xfailed = 0
    with tempfile.TemporaryDirectory(prefix="rebate-bad-input-") as tmp_name:
        tmp = Path(tmp_name)
        for case in cases():
            if args.pattern not in case.name:
                continue
            start = time.monotonic()
            problems = check_case(rebate, case, tmp)
            elapsed = time.monotonic() - start
            if problems and case.known_bug:
                xfailed += 1
                print(f"XFAIL {case.name}: known bug: {case.known_bug}")
                if args.verbose:
                    for p in problems:
                        print(f"     {p}")
            elif problems:
                failed += 1
                print(f"FAIL {case.name}")
                for p in problems:
                    print(f"     {p}")
            else:
                passed += 1
                if case.known_bug:
                    print(f"XPASS {case.name}: fixed? remove known_bug ({case.known_bug})")
                elif args.verbose:
                    print(f"ok   {case.name} ({elapsed:.2f} s)")
    print(f"bad_input: {passed} passed, {failed} failed" + (f" ({xfailed} known bugs)" if xfailed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

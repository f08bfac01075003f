#!/usr/bin/env python3
"""The `rebate run` / `rebate explain` command-line contract, through the real CLI: exit codes, what is
written where, and the messages for the mistakes people make (a missing input, a wrong period, a bad
cell, an unknown partner). Payout amounts themselves are checked by tests/examples/run_examples.py."""
import argparse
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

PROGRAM = """
program "CLI test" { currency: USD  period: quarter  effective: 2026-01-01 .. 2026-12-31 }
enum Tier { bronze, silver, gold }
partner table partners { id: Text as key  tier: Tier }
ledger sales { date: Date as date  partner: Text as partner  amount: Money }
tiers volume retroactive { from 0 USD to 1_000 USD: 1%  from 1_000 USD: 2% }
measure revenue = sales.sum(amount)
rebate r "Volume rebate" { eligible when partner.tier >= silver  pay volume of revenue }
"""
PARTNERS = "id,tier\nP1,gold\nP2,bronze\n"
SALES = "date,partner,amount\n2026-07-01,P1,1500\n2026-07-02,P2,50\n"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    ap.add_argument("--engine", default=None, help="run every program on this engine (vm or jit; default: the CLI's)")
    args = ap.parse_args()
    version = subprocess.run([args.rebate, "--version"], capture_output=True, text=True).stdout
    built = version.split("(engines: ")[1].split(")")[0].replace(" or ", ", ").split(", ")
    failures = []
    passed = 0
    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        (d / "p.rebate").write_text(PROGRAM)
        (d / "partners.csv").write_text(PARTNERS)
        (d / "sales.csv").write_text(SALES)
        (d / "bad.csv").write_text("date,partner,amount\n2026-07-01,P1,12.3.4\n2026-07-02,P9,5\n")
        (d / "unknown.csv").write_text("date,partner,amount\n2026-07-01,P1,10\n2026-07-02,P9,5\n")
        inputs = ["--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'sales.csv'}"]

        def run(argv, code, out_has=(), err_has=()):
            nonlocal passed
            if args.engine and argv[0] in ("run", "explain") and "--engine" not in argv:
                argv = argv + ["--engine", args.engine]
            r = subprocess.run([args.rebate] + argv, capture_output=True, text=True, errors="replace", timeout=30)
            problems = []
            if r.returncode != code:
                problems.append(f"exit {r.returncode}, expected {code}")
            problems += [f"stdout lacks {s!r}" for s in out_has if s not in r.stdout]
            problems += [f"stderr lacks {s!r}" for s in err_has if s not in r.stderr]
            if problems:
                failures.append(f"{' '.join(argv[:2])} ...: " + "; ".join(problems) + f"\n  stdout: {r.stdout[:400]}\n  stderr: {r.stderr[:400]}")
            else:
                passed += 1
            return r

        p = str(d / "p.rebate")
        # Payouts as CSV on stdout: 1,500 >= 1,000 -> 2% = 30.00 for gold P1; bronze P2 is not eligible.
        run(["run", p] + inputs + ["--period", "2026-Q3"], 0,
            out_has=["partner,period,rebate,amount,currency,status", "P1,2026-Q3,r,30.00,USD,paid", "P2,2026-Q3,r,0.00,USD,not eligible"])
        # JSON: the brief's shape.
        r = run(["run", p] + inputs + ["--period", "2026-Q3", "--format", "json"], 0)
        try:
            doc = json.loads(r.stdout)
            first = doc["payouts"][0]
            assert {"partner", "period", "rebate", "amount"} <= set(first), first
            assert first["amount"] == "30.00" and first["period"] == "2026-Q3", first
            assert doc["totals"][0]["amount"] == "30.00", doc["totals"]
        except Exception as e:  # noqa: BLE001 - any problem with the document is a failure
            failures.append(f"json output: {e}")
        # --out writes the file, and --explain then explains on stdout (on stderr when the payouts go to
        # stdout); the distance to the next band is there for P2: 950.00 USD more revenue reaches 2%.
        out = d / "payouts.csv"
        run(["run", p] + inputs + ["--period", "2026-Q3", "--out", str(out), "--explain"], 0,
            out_has=["P1 2026-Q3 r: 30.00 USD (paid)", "950.00 USD more revenue reaches 2%"])
        run(["run", p] + inputs + ["--period", "2026-Q3", "--explain"], 0,
            out_has=["P1,2026-Q3,r,30.00"], err_has=["P1 2026-Q3 r: 30.00 USD (paid)"])
        if not out.exists() or "P1,2026-Q3,r,30.00" not in out.read_text():
            failures.append("--out did not write the payouts")
        # Statements: one Markdown file per partner and period.
        st = d / "statements"
        run(["run", p] + inputs + ["--period", "2026-Q3", "--statements", str(st), "--out", str(d / "x.csv")], 0)
        if not (st / "P1-2026-Q3.md").exists() or "30.00 USD" not in (st / "P1-2026-Q3.md").read_text():
            failures.append("--statements did not write P1-2026-Q3.md with the amount")
        # explain: one partner.
        run(["explain", p] + inputs + ["--partner", "P1", "--period", "2026-Q3"], 0, out_has=["P1 2026-Q3 r: 30.00 USD"])
        run(["explain", p] + inputs + ["--partner", "P7", "--period", "2026-Q3"], 2, err_has=["no payouts or awards for partner `P7`"])
        # A payout read from a decision table names the row that matched, where it is and as written
        # (example 12: E1 is emea/platinum, the first row; A2 amer/bronze falls to `otherwise`, the seventh).
        ex12 = pathlib.Path(__file__).resolve().parents[2] / "examples" / "12-segmented-rates"
        rows = (ex12 / "program.rebate").read_text().splitlines()
        first = next(i + 1 for i, l in enumerate(rows) if "emea, platinum" in l)
        other = next(i + 1 for i, l in enumerate(rows) if l.strip().startswith("otherwise"))
        ins12 = ["--input", f"partners={ex12 / 'partners.csv'}", "--input", f"sales={ex12 / 'sales.csv'}"]
        run(["explain", str(ex12 / "program.rebate")] + ins12 + ["--partner", "E1", "--period", "2026-Q3"], 0,
            out_has=[f"decision `segment_rate`: row 1 (", f"program.rebate:{first}) matched: emea, platinum => 3.5%"])
        run(["explain", str(ex12 / "program.rebate")] + ins12 + ["--partner", "A2", "--period", "2026-Q3"], 0,
            out_has=[f"decision `segment_rate`: row 7 (", f"program.rebate:{other}) matched: otherwise => 1.5%"])
        # Usage mistakes: exit 2 with a message that says what to do.
        run(["run", p, "--input", f"partners={d / 'partners.csv'}"], 2, err_has=["no input for ledger `sales`: pass --input sales=PATH.csv"])
        run(["run", p] + inputs + ["--input", f"sale={d / 'sales.csv'}"], 2, err_has=["has no ledger or table `sale`"])
        run(["run", p] + inputs + ["--period", "2026-13"], 2, err_has=["is not a period of this program"])
        run(["run", p] + inputs + ["--period", "2027-Q1"], 2, err_has=["outside the program's effective dates"])
        run(["run", p] + inputs + ["--input", "sales"], 2, err_has=["must be NAME=PATH"])
        # An output that cannot be written (no such directory; a full disk): exit 2, the file named.
        run(["run", p] + inputs + ["--out", str(d / "no-such-dir" / "x.csv")], 2, err_has=["cannot write", "no-such-dir"])
        if pathlib.Path("/dev/full").exists():
            run(["run", p] + inputs + ["--out", "/dev/full"], 2, err_has=["cannot write `/dev/full`"])
        run(["run", p, "--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'missing.csv'}"], 2,
            err_has=["cannot open the file"])
        # --engine offers what the build has (`rebate --version` lists it), and names those when refusing.
        run(["run", p] + inputs + ["--engine", "vm"], 0, out_has=["P1,2026-Q3,r,30.00,USD,paid"])
        if "jit" in built:
            run(["run", p] + inputs + ["--engine", "jit"], 0, out_has=["P1,2026-Q3,r,30.00,USD,paid"])
            run(["run", "--help"], 0, out_has=["jit: native code compiled by LLVM", "llvm"])
            # --dump=llvm: the module before and after optimisation, a function per plan function, each
            # calling the runtime for its loads.
            r = run(["run", p, "--dump=llvm"], 0, out_has=["; ---- before optimisation ----", "; ---- after optimisation (-O2) ----",
                                                       "define i32 @f0.", "call i32 @rebate_jit_instr("])
            if r.stdout.count("define i32 @f0.") != 2:
                failures.append("--dump=llvm does not show function f0 twice (before and after optimisation)")
            # A binary whose JIT library is missing (copied without it): an error naming it, exit 2, for a
            # run and for --dump=llvm alike; the interpreter still runs.
            lonely = d / "lonely"
            lonely.mkdir()
            shutil.copy2(args.rebate, lonely / "rebate")
            for argv in (["run", p] + inputs + ["--engine", "jit"], ["run", p, "--dump=llvm"]):
                r = subprocess.run([str(lonely / "rebate")] + argv, capture_output=True, text=True, timeout=30)
                if r.returncode != 2 or "the JIT engine's library cannot be loaded" not in r.stderr or "librebate-jit.so" not in r.stderr:
                    failures.append(f"without librebate-jit.so, {argv[-1]}: exit {r.returncode}, stderr {r.stderr[:300]!r}")
                else:
                    passed += 1
            r = subprocess.run([str(lonely / "rebate"), "run", p] + inputs + ["--engine", "vm"], capture_output=True, text=True, timeout=30)
            if r.returncode != 0 or "P1,2026-Q3,r,30.00,USD,paid" not in r.stdout:
                failures.append(f"without librebate-jit.so the interpreter does not run: exit {r.returncode}, {r.stderr[:300]!r}")
        else:
            run(["run", p] + inputs + ["--engine", "jit"], 2, err_has=["this build has no engine `jit`; its engines are vm"])
            run(["run", p, "--dump=llvm"], 2, err_has=["--dump"])
            r = run(["run", "--help"], 0, out_has=["vm: the bytecode interpreter"])
            if "jit" in r.stdout or "llvm" in r.stdout:
                failures.append("`rebate run --help` of a build without the JIT offers it:\n" + r.stdout)
        run(["run", p] + inputs + ["--engine", "fast"], 2, err_has=["this build has no engine `fast`; its engines are " + " or ".join(built)])
        # A bad cell: exit 1, file:line:column and what was expected; nothing is written on stdout.
        r = run(["run", p, "--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'bad.csv'}"], 1,
                err_has=[f"{d / 'bad.csv'}:2:", "12.3.4"])
        if r.stdout:
            failures.append("a failed run printed payouts")
        # An unknown partner: an error by default; with reject, counted, written out, and the run goes on.
        run(["run", p, "--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'unknown.csv'}"], 1,
            err_has=["partner `P9` is not in the partner table"])
        rej = d / "rejects"
        run(["run", p, "--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'unknown.csv'}",
             "--on-bad-row", "reject", "--rejects", str(rej), "--period", "2026-Q3"], 0,
            out_has=["P1,2026-Q3,r,0.10,USD,paid"], err_has=["1 line of `sales` names a partner that is not in the partner table; it was left out"])
        unknown = pathlib.Path(str(rej) + ".sales.unknown-partners.csv")
        if not unknown.exists() or "P9" not in unknown.read_text():
            failures.append("--rejects did not write the unknown partner's row")
        run(["run", p] + inputs + ["--on-bad-row", "reject"], 2, err_has=["needs `--rejects PATH`"])
        # Hostile ledgers finish quickly with one clear error each (a time limit catches work quadratic in
        # a line's length): a 2 MB cell of invalid UTF-8, and a 200,000-cell row (far more than the header).
        (d / "bad_utf8.csv").write_bytes(b"date,partner,amount\n2026-07-01,P1," + b"\xff" * (2 << 20) + b"\n")
        run(["run", p, "--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'bad_utf8.csv'}", "--max-errors", "1000"], 1,
            err_has=["invalid UTF-8 (byte 0xFF) at character 1 of the cell"])
        (d / "wide.csv").write_text("date,partner,amount\n2026-07-01,P1," + "x," * 200000 + "1\n")
        run(["run", p, "--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'wide.csv'}"], 1,
            err_has=["the row has 200003 cells; the header has 3"])
        # A program with errors does not run: exit 1, the diagnostics on stderr.
        (d / "broken.rebate").write_text(PROGRAM + "rebate s { pay revenue + 100 }\n")
        run(["run", str(d / "broken.rebate")] + inputs, 1, err_has=["E0302"])
        ledger_input_cases(args.rebate, d, p, run, failures)
    for f in failures:
        print("FAIL", f)
    print(f"run cli: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


def rejects_on_threads(d, p, partners, run, failures):
    """--on-bad-row reject on N threads (issue 16): the file is cut into pieces as without rejects, and
    the rejects file, the notes and the payouts are a one-thread read's, byte for byte."""
    # 3,000 rows of P1 in 2026-Q3; every 37th row malformed (a bad amount, a bad date, too few cells, a
    # bad amount in a row whose quoted note holds a line break, so that it spans two lines, or a stray
    # quote inside an unquoted cell, which the counted cuts take for the start of a quoted cell: the
    # pieces then disagree with the rows, and the run reads the ledger again in one piece), every 101st
    # of an unknown partner (left out by the scan, into the unknown-partners file).
    rows, bad, valid_cents, line = [], [], 0, 2  # line 1 is the header
    for i in range(3000):
        amount = f"{i % 13 + 1}.{i % 100:02d}"
        if i % 37 == 5:
            kind = (i // 37) % 5
            text = ["2026-07-03,P1,12.3.4,x", "2026-13-01,P1,5.00,x", "2026-07-03,P1", '2026-07-03,P1,1x,"two\nlines"',
                    '2026-07-03,P"1,5.00,x'][kind]
            bad.append(line)
        elif i % 101 == 7:
            text = f"2026-07-04,P9,{amount},x"
        else:
            text = f"2026-07-05,P1,{amount},x"
            valid_cents += (i % 13 + 1) * 100 + i % 100
        rows.append(text)
        line += text.count("\n") + 1
    (d / "rejecting.csv").write_text("date,partner,amount,note\n" + "\n".join(rows) + "\n")
    # The volume tier, retroactive: P1's revenue is over 1,000 USD, so 2% of all of it, rounded half to even.
    from decimal import Decimal, ROUND_HALF_EVEN
    expected = (Decimal(valid_cents) / 100 * Decimal("0.02")).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    seen = {}
    # ("8 small": pieces of 512 bytes, a few rows each, which the threads claim and take over from one another.)
    for threads in ("1", "2", "3", "8", "8 small"):
        rej = d / "rej"  # the same path each time: the notes name it
        how = ["--threads", "8", "--piece-bytes", "512"] if threads == "8 small" else ["--threads", threads]
        r = run(["run", p] + partners + ["--input", f"sales={d / 'rejecting.csv'}", "--period", "2026-Q3", *how,
                 "--on-bad-row", "reject", "--rejects", str(rej)], 0,
                out_has=[f"P1,2026-Q3,r,{expected},USD,paid"], err_has=[f"{len(bad)} rows of `sales` are malformed; they were left out"])
        written = pathlib.Path(str(rej) + ".sales.csv").read_text()
        unknown = pathlib.Path(str(rej) + ".sales.unknown-partners.csv").read_text()
        import csv
        import io
        table = list(csv.reader(io.StringIO(written, newline="")))
        lines_written = [int(row[-2]) for row in table[1:]]  # `_line`, `_error` end a row (whatever its own cells)
        if lines_written != bad:
            failures.append(f"--threads {threads}: the rejects file lists lines {lines_written[:8]}..., expected {bad[:8]}...")
        seen[threads] = (written, unknown, r.stdout, r.stderr)
    for threads in ("2", "3", "8", "8 small"):
        if seen[threads] != seen["1"]:
            what = [name for name, a, b in zip(("rejects file", "unknown-partners file", "payouts", "notes"), seen["1"], seen[threads]) if a != b]
            failures.append(f"--on-bad-row reject: --threads {threads} differs from one thread in its {', '.join(what)}")


# ---- Issue 20, items 8 and 9: how a ledger is read (the split between threads; pipes and devices) ----

def ledger_input_cases(rebate, d, p, run, failures):
    """A last row whose quoted cell spans the two-thread split; inputs that are not regular files."""
    import os
    import threading
    import time

    partners = ["--input", f"partners={d / 'partners.csv'}"]
    # Item 8: the middle of the rows falls in the last row, before the line break of its quoted note: the
    # second thread's guessed start is inside the quotes. Two threads pay what one pays.
    (d / "last_quoted.csv").write_text('date,partner,amount,note\n2026-07-01,P1,1500,x\n2026-07-02,P2,50,"a\nb"\n')
    for tail in ("", "\r\n"):
        (d / "last_quoted_crlf.csv").write_text('date,partner,amount,note\r\n2026-07-01,P1,1500,x\r\n2026-07-02,P2,50,"a\r\nb"' + tail,
                                                 newline="")
        for name in ("last_quoted.csv", "last_quoted_crlf.csv"):
            for threads in ("1", "2", "3", "8"):
                run(["run", p] + partners + ["--input", f"sales={d / name}", "--period", "2026-Q3", "--threads", threads], 0,
                    out_has=["P1,2026-Q3,r,30.00,USD,paid"])

    rejects_on_threads(d, p, partners, run, failures)

    # --threads takes any count from 1 (more than the cores too); 0 or a word is a usage error, exit 2.
    for bad in ("0", "two", "-1"):
        run(["run", p] + partners + ["--input", f"sales={d / 'last_quoted.csv'}", "--threads", bad], 2, err_has=["--threads"])

    # A run with a stream among its inputs cannot read it twice: the missed guess above must not make it
    # run again (it would find the partner table empty): its splits are counted from the start.
    proc = subprocess.run(f"cat {d / 'partners.csv'} | {rebate} run {p} --input partners=/dev/stdin --input sales={d / 'last_quoted.csv'} "
                          "--period 2026-Q3 --threads 2", shell=True, capture_output=True, text=True, timeout=30)
    if proc.returncode != 0 or "P1,2026-Q3,r,30.00,USD,paid" not in proc.stdout:
        failures.append(f"a piped partner table with a missed split: exit {proc.returncode}: {proc.stderr[:300]}")

    # Item 9: /dev/zero never ends a line: refused promptly (a limit on a line's length), exit 1.
    for name in ("sales", "partners"):
        inputs = [f"partners={d / 'partners.csv'}", f"sales={d / 'sales.csv'}"]
        inputs = [f"{name}=/dev/zero" if i.startswith(name + "=") else i for i in inputs]
        started = time.monotonic()
        run(["run", p, "--input", inputs[0], "--input", inputs[1]], 1, err_has=["/dev/zero", "longer than 64 MiB"])
        if time.monotonic() - started > 10:
            failures.append(f"--input {name}=/dev/zero took {time.monotonic() - started:.1f} s")

    # A ledger through a FIFO (a writer thread) and through /dev/stdin pays what the file pays; a large one
    # (more than the reader's 8 MiB buffer) is read in bounded memory.
    big = d / "big_sales.csv"
    block = "".join(f"2026-07-{1 + i % 28:02d},P{1 + i % 2},{i % 100}.25\n" for i in range(20000))
    with open(big, "w") as f:
        f.write("date,partner,amount\n")
        for _ in range(150):  # about 70 MB
            f.write(block)
    size = big.stat().st_size

    def payouts(sales_path, stdin=None, pipe_from=None):
        """Runs with `sales_path` as the ledger: (exit code, stdout, stderr, peak RSS in KB)."""
        argv = [rebate, "run", p] + partners + ["--input", f"sales={sales_path}", "--period", "2026-Q3"]
        writer = None
        if pipe_from is not None:
            def write():
                try:
                    with open(pipe_from, "rb") as src, open(sales_path, "wb") as dst:
                        while chunk := src.read(1 << 20):
                            dst.write(chunk)
                except BrokenPipeError:
                    pass
            writer = threading.Thread(target=write)
            writer.start()
        with open(d / "run.out", "wb") as out, open(d / "run.err", "wb") as err:
            proc = subprocess.Popen(argv, stdin=stdin, stdout=out, stderr=err)
            timer = threading.Timer(120, proc.kill)
            timer.start()
            _, status, usage = os.wait4(proc.pid, 0)  # not proc.wait(): wait4 gives the child's peak memory
            timer.cancel()
        if writer is not None:
            writer.join()
        return (os.waitstatus_to_exitcode(status), (d / "run.out").read_text(errors="replace"),
                (d / "run.err").read_text(errors="replace"), usage.ru_maxrss)

    code, expected, err, file_peak = payouts(big)
    if code != 0 or "P1,2026-Q3,r," not in expected:
        failures.append(f"the big ledger as a file: exit {code}: {err[:300]}")
    fifo = d / "sales.fifo"
    os.mkfifo(fifo)
    code, out, err, peak = payouts(fifo, pipe_from=big)
    if code != 0 or out != expected:
        failures.append(f"the big ledger through a FIFO: exit {code}, payouts {'equal' if out == expected else 'differ'}: {err[:300]}")
    # Memory: a pipe is read a buffer at a time, so the peak does not follow the ledger's size (reading the
    # whole ledger into memory first peaks above its size).
    if peak * 1024 > size * 0.8:
        failures.append(f"the big ledger through a FIFO peaked at {peak // 1024} MB for a {size >> 20} MB ledger (as a file: {file_peak // 1024} MB)")
    with open(d / "sales.csv", "rb") as stdin:
        code, out, err, _ = payouts("/dev/stdin", stdin=stdin)  # a regular file as stdin
    proc = subprocess.run(f"cat {d / 'sales.csv'} | {rebate} run {p} --input partners={d / 'partners.csv'} --input sales=/dev/stdin --period 2026-Q3",
                          shell=True, capture_output=True, text=True, timeout=30)
    if code != 0 or proc.returncode != 0 or proc.stdout != out or "P1,2026-Q3,r,30.00,USD,paid" not in out:
        failures.append(f"--input sales=/dev/stdin: exit {code} and {proc.returncode} (a pipe): {err[:300]} {proc.stderr[:300]}")
    # A malformed row through a pipe: the same error as from the file, exit 1.
    bad = d / "bad.csv"
    proc = subprocess.run(f"cat {bad} | {rebate} run {p} --input partners={d / 'partners.csv'} --input sales=/dev/stdin",
                          shell=True, capture_output=True, text=True, timeout=30)
    if proc.returncode != 1 or "/dev/stdin:2:" not in proc.stderr or "12.3.4" not in proc.stderr:
        failures.append(f"a bad row through a pipe: exit {proc.returncode}: {proc.stderr[:300]}")
    big.unlink()


if __name__ == "__main__":
    sys.exit(main())

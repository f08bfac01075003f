#!/usr/bin/env python3
"""What `rebate run` writes, and where: through the real CLI, the defects found under hostile input
(issue 20), one case each.

- No output path can destroy an input: `--out`, the rejects files (`--rejects P` writes P.NAME.csv and
  P.NAME.unknown-partners.csv) and the statements are refused (exit 2, both files named) when they are an
  input or another output, whatever the spelling (a symbolic link, a hard link, `./`), and the input is
  left byte for byte as it was.
- Outputs are written beside their place and moved there at the end: a failed run leaves an existing
  output as it was and no temporary file behind.
- Partner ids never choose where a statement is written (`../../x`, `/abs/path`): they are encoded.
- A repeated `--input NAME` is an error, not a silently ignored file.
- I/O problems exit 2 (a missing ledger or a directory without one, a rejects file that cannot be created).
- A rejected row is the original line, byte for byte (CRLF kept, unread columns and numbers as written),
  with `_line` and `_error` added.
- One absurd date (year 1) without effective dates is an error naming its line, not 8,100 quarters.
- Out of memory is a message naming what the run was doing, exit 2, and nothing half-written.
"""
import argparse
import os
import pathlib
import resource
import stat
import subprocess
import sys
import tempfile
import threading

# No effective dates: the run pays the periods the ledger's lines span.
PROGRAM = """
program "Outputs test" { currency: USD  period: quarter }
partner table partners { id: Text as key }
ledger sales { date: Date as date  partner: Text as partner  amount: Money }
measure revenue = sales.sum(amount)
rebate r "Flat rebate" { pay 10% of revenue }
"""
PARTNERS = "id\nP1\nP2\n"
SALES = "date,partner,amount\n2026-07-01,P1,1500\n2026-07-02,P2,50\n"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    ap.add_argument("--engine", default=None, help="run every program on this engine (vm or jit; default: the CLI's)")
    args = ap.parse_args()
    failures = []
    passed = 0

    def check(ok, what):
        nonlocal passed
        if ok:
            passed += 1
        else:
            failures.append(what)

    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        prog = d / "p.rebate"
        prog.write_text(PROGRAM)
        partners = d / "partners.csv"
        partners.write_text(PARTNERS)
        sales = d / "sales.csv"
        sales.write_text(SALES)
        inputs = ["--input", f"partners={partners}", "--input", f"sales={sales}"]

        def run(argv, code, out_has=(), err_has=(), cwd=None, limit_memory=None):
            def limit():
                if limit_memory:
                    resource.setrlimit(resource.RLIMIT_AS, (limit_memory, limit_memory))
            if args.engine and argv[0] in ("run", "explain"):
                argv = argv + ["--engine", args.engine]
            r = subprocess.run([args.rebate] + argv, capture_output=True, text=True, errors="replace", timeout=60,
                               cwd=cwd, preexec_fn=limit if limit_memory else None)
            problems = []
            if r.returncode != code:
                problems.append(f"exit {r.returncode}, expected {code}")
            problems += [f"stdout lacks {s!r}" for s in out_has if s not in r.stdout]
            problems += [f"stderr lacks {s!r}" for s in err_has if s not in r.stderr]
            check(not problems, f"{' '.join(argv[:2])} ...: " + "; ".join(problems) +
                  f"\n  stdout: {r.stdout[:400]}\n  stderr: {r.stderr[:600]}")
            return r

        def leftovers(directory):
            return [p.name for p in pathlib.Path(directory).iterdir() if ".rebate-" in p.name]

        def unchanged(path, text, what):
            check(path.exists() and path.read_bytes() == text.encode(), f"{what}: `{path.name}` was changed")

        # The payouts: 10% of 1,500 = 150.00 for P1 and 10% of 50 = 5.00 for P2, in 2026-Q3.
        run(["run", str(prog)] + inputs, 0, out_has=["P1,2026-Q3,r,150.00,USD,paid", "P2,2026-Q3,r,5.00,USD,paid"])

        # --- 5. --out onto an input, however it is spelled: refused, the input intact.
        run(["run", str(prog)] + inputs + ["--out", str(sales)], 2, err_has=["the payouts (--out)", f"the input `sales` (`{sales}`)"])
        unchanged(sales, SALES, "--out onto the ledger")
        run(["run", str(prog)] + inputs + ["--out", "./sales.csv"], 2, err_has=["the input `sales`"], cwd=d)
        unchanged(sales, SALES, "--out onto the ledger as ./sales.csv")
        run(["run", str(prog)] + inputs + ["--out", str(partners)], 2, err_has=["the input `partners`"])
        unchanged(partners, PARTNERS, "--out onto the partner table")
        run(["run", str(prog)] + inputs + ["--out", str(prog)], 2, err_has=["the program file"])
        unchanged(prog, PROGRAM, "--out onto the program")
        (d / "link.csv").symlink_to(sales)
        run(["run", str(prog)] + inputs + ["--out", str(d / "link.csv")], 2, err_has=["the input `sales`"])
        unchanged(sales, SALES, "--out onto a symbolic link to the ledger")
        os.link(sales, d / "hard.csv")
        run(["run", str(prog)] + inputs + ["--out", str(d / "hard.csv")], 2, err_has=["the input `sales`"])
        unchanged(sales, SALES, "--out onto a hard link to the ledger")
        # An imported module is an input too.
        (d / "lib.rebate").write_text("const rate = 10%\n")
        (d / "q.rebate").write_text(PROGRAM.replace("pay 10% of revenue", "pay rate of revenue").replace(
            'program "Outputs test"', 'import "lib.rebate"\nprogram "Outputs test"'))
        run(["run", str(d / "q.rebate")] + inputs + ["--out", str(d / "lib.rebate")], 2, err_has=["the program file"])
        unchanged(d / "lib.rebate", "const rate = 10%\n", "--out onto an imported module")

        # --- 4. --rejects P truncated an input named P.sales.csv before reading it.
        victim = d / "rz.sales.csv"
        victim.write_text(SALES)
        run(["run", str(prog), "--input", f"partners={partners}", "--input", f"sales={victim}", "--on-bad-row", "reject",
             "--rejects", str(d / "rz")], 2, err_has=["the rejected rows of `sales` (--rejects)", "rz.sales.csv"])
        unchanged(victim, SALES, "--rejects onto the ledger")

        # --- 6. Rejects and payouts onto each other: refused, both named.
        run(["run", str(prog)] + inputs + ["--on-bad-row", "reject", "--rejects", str(d / "ry"), "--out", str(d / "ry.sales.csv")], 2,
            err_has=["the rejected rows of `sales` (--rejects)", "the payouts (--out)"])
        check(not (d / "ry.sales.csv").exists(), "refused outputs were written")

        # --- Atomic outputs: a failed run leaves an existing --out as it was, and no temporary file.
        previous = d / "previous.csv"
        previous.write_text("yesterday's payouts\n")
        (d / "bad.csv").write_text("date,partner,amount\n2026-07-01,P1,12.3.4\n")
        run(["run", str(prog), "--input", f"partners={partners}", "--input", f"sales={d / 'bad.csv'}", "--out", str(previous)], 1,
            err_has=["12.3.4"])
        unchanged(previous, "yesterday's payouts\n", "a failed run's --out")
        check(not leftovers(d), f"temporary files left behind: {leftovers(d)}")
        # A run that succeeds replaces it whole, with the permissions of a new file.
        run(["run", str(prog)] + inputs + ["--out", str(previous)], 0)
        check("P1,2026-Q3,r,150.00" in previous.read_text(), "--out was not replaced by the payouts")
        check(not leftovers(d), f"temporary files left behind after a run: {leftovers(d)}")
        mask = os.umask(0)
        os.umask(mask)
        fresh = d / "fresh.csv"
        run(["run", str(prog)] + inputs + ["--out", str(fresh)], 0)
        check(fresh.exists() and (fresh.stat().st_mode & 0o777) == (0o666 & ~mask),
              f"a new --out has mode {oct(fresh.stat().st_mode & 0o777) if fresh.exists() else None}, expected {oct(0o666 & ~mask)}")

        # A stream is written as it is, never renamed over: a device, a named pipe.
        run(["run", str(prog)] + inputs + ["--out", "/dev/stdout"], 0, out_has=["P1,2026-Q3,r,150.00,USD,paid"])
        if pathlib.Path("/dev/full").exists():
            run(["run", str(prog)] + inputs + ["--out", "/dev/full"], 2, err_has=["cannot write `/dev/full`"])
            check(stat.S_ISCHR(os.stat("/dev/full").st_mode), "/dev/full was replaced by a file")
        fifo = d / "fifo"
        os.mkfifo(fifo)
        got = []
        reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
        reader.start()
        run(["run", str(prog)] + inputs + ["--out", str(fifo)], 0)
        reader.join(timeout=30)
        check(got and "P1,2026-Q3,r,150.00,USD,paid" in got[0] and stat.S_ISFIFO(os.stat(fifo).st_mode), f"--out to a named pipe: {got}")

        # --- 3. Partner ids choose no path: `../../escaped` and an absolute path stay in the directory,
        # encoded (every byte but letters, digits, `-`, `_` and a `.` that does not start the name as %XX).
        nest = d / "a" / "b"
        nest.mkdir(parents=True)
        absolute = d / "abs"
        hostile_partners = d / "hostile_partners.csv"
        hostile_partners.write_text(f"id\n../../escaped\n{absolute}\nP1\n")
        hostile_sales = d / "hostile_sales.csv"
        hostile_sales.write_text(f"date,partner,amount\n2026-07-01,../../escaped,10\n2026-07-01,{absolute},20\n2026-07-01,P1,30\n")
        st = nest / "statements"
        run(["run", str(prog), "--input", f"partners={hostile_partners}", "--input", f"sales={hostile_sales}", "--statements", str(st),
             "--out", str(d / "h.csv")], 0)
        written = sorted(p.name for p in st.iterdir()) if st.exists() else []
        encoded_absolute = "".join(c if c.isalnum() or c in "-_." else f"%{ord(c):02X}" for c in str(absolute))
        expected = sorted(["%2E.%2F..%2Fescaped-2026-Q3.md", f"{encoded_absolute}-2026-Q3.md", "P1-2026-Q3.md"])
        check(written == expected, f"statements written {written}, expected {expected}")
        check(not (d / "a" / "escaped-2026-Q3.md").exists() and not (d / "escaped-2026-Q3.md").exists(), "a statement escaped its directory")
        check(not pathlib.Path(str(absolute) + "-2026-Q3.md").exists(), "a partner id chose an absolute path")
        check(not list(d.glob("abs*")), "a partner id chose an absolute path")
        # A statement onto an input is refused like any other output.
        clash_dir = d / "clash"
        clash_dir.mkdir()
        clash = clash_dir / "P1-2026-Q3.md"
        clash.write_text(SALES)
        run(["run", str(prog), "--input", f"partners={partners}", "--input", f"sales={clash}", "--statements", str(clash_dir)], 2,
            err_has=["the statement of `P1` for 2026-Q3", "the input `sales`"])
        unchanged(clash, SALES, "a statement onto the ledger")

        # --- 7. A repeated --input NAME.
        run(["run", str(prog)] + inputs + ["--input", f"sales={d / 'bad.csv'}"], 2, err_has=["`--input sales` is given twice"])

        # --- 12. I/O problems exit 2.
        run(["run", str(prog), "--input", f"partners={partners}", "--input", f"sales={d / 'missing.csv'}"], 2,
            err_has=["cannot open the file"])
        # A directory is a ledger of many files (tests/run/inputs_cli.py); one without any is an I/O problem.
        (d / "no-ledgers").mkdir()
        run(["run", str(prog), "--input", f"partners={partners}", "--input", f"sales={d / 'no-ledgers'}"], 2,
            err_has=["holds no ledger file"])
        run(["run", str(prog)] + inputs + ["--on-bad-row", "reject", "--rejects", str(d / "no-such-dir" / "r")], 2,
            err_has=["cannot write the rejected rows of `", "no-such-dir"])
        run(["run", str(prog)] + inputs + ["--out", str(d)], 2, err_has=["is a directory"])

        # --- 11. Rejected rows as they were read. CRLF, an unread column, amounts written 1.5 and 7000.00.
        crlf = d / "crlf.csv"
        crlf_text = ("date,partner,note,amount\r\n2026-07-01,P1,\"first, quoted\",1.5\r\n2026-07-02,P1,x,12.3.4\r\n"
                     "2026-07-03,P9,\"unknown, partner\",7000.00\r\n2026-07-04,P2,y,2\r\n")
        crlf.write_bytes(crlf_text.encode())
        rz = d / "rejected"
        run(["run", str(prog), "--input", f"partners={partners}", "--input", f"sales={crlf}", "--on-bad-row", "reject",
             "--rejects", str(rz)], 0, out_has=["P1,2026-Q3,r,0.15,USD,paid", "P2,2026-Q3,r,0.20,USD,paid"])
        bad_rows = pathlib.Path(str(rz) + ".sales.csv")
        unknown_rows = pathlib.Path(str(rz) + ".sales.unknown-partners.csv")
        check(bad_rows.exists() and bad_rows.read_bytes().startswith(
            b"date,partner,note,amount,_line,_error\r\n2026-07-02,P1,x,12.3.4,3,column `amount`: `12.3.4` is not an amount"),
            f"the malformed row is not the original line with CRLF: {bad_rows.read_bytes() if bad_rows.exists() else None!r}")
        check(bad_rows.exists() and bad_rows.read_bytes().endswith(b")\r\n") and b"\n" not in bad_rows.read_bytes().replace(b"\r\n", b""),
              "the malformed-row file has a bare LF")
        check(unknown_rows.exists() and unknown_rows.read_bytes() ==
              b"date,partner,note,amount,_line,_error\r\n"
              b"2026-07-03,P9,\"unknown, partner\",7000.00,4,partner `P9` is not in the partner table\r\n",
              f"the unknown partner's row is not the original line: {unknown_rows.read_bytes() if unknown_rows.exists() else None!r}")

        # --- 2. One line dated year 1 beside 2026 lines, no effective dates: an error naming both lines,
        # not a payout for each of 8,100 quarters. A longer allowed span pays them (8,102 quarters here,
        # 0001-Q1 .. 2026-Q3: each of them a payout per partner).
        typo = d / "typo.csv"
        typo.write_text("date,partner,amount\n2026-07-01,P1,1500\n0001-01-05,P2,50\n2026-09-30,P2,10\n")
        r = run(["run", str(prog), "--input", f"partners={partners}", "--input", f"sales={typo}"], 1,
                err_has=[f"span 8103 periods, from 0001-Q1 (a line dated 0001-01-05 at {typo}:3) to 2026-Q3 (a line dated 2026-07-01 at {typo}:2)",
                         "more than 10 years", "--max-span-years"])
        check(r.stdout == "", "a refused span printed payouts")
        r = run(["run", str(prog), "--input", f"partners={partners}", "--input", f"sales={typo}", "--max-span-years", "3000"], 0,
                out_has=["P2,0001-Q1,r,5.00,USD,paid", "P1,2026-Q3,r,150.00,USD,paid"])
        # A header, then a payout per partner and quarter (the totals are in --totals' file).
        check(r.stdout.count("\n") == 1 + 2 * 8103, f"{r.stdout.count(chr(10))} lines for 8,103 quarters of two partners")
        # Fixed periods need no limit: the line of year 1 is outside them and only counted.
        run(["run", str(prog), "--input", f"partners={partners}", "--input", f"sales={typo}", "--period", "2026-Q3"], 0,
            out_has=["P1,2026-Q3,r,150.00,USD,paid", "P2,2026-Q3,r,1.00,USD,paid"])

        # The same limit for effective dates (a typo in the header): an error, unless allowed.
        (d / "long.rebate").write_text(PROGRAM.replace("period: quarter }", "period: quarter  effective: 0026-01-01 .. 2026-12-31 }"))
        r = run(["run", str(d / "long.rebate")] + inputs, 1,
                err_has=["the program's effective dates (0026-01-01 .. 2026-12-31) span 8004 periods, more than 10 years"])
        check(r.stdout == "", "a refused span of effective dates printed payouts")
        run(["run", str(d / "long.rebate")] + inputs + ["--max-span-years", "2001"], 0, out_has=["P1,2026-Q3,r,150.00,USD,paid"])

        # --- 10. Out of memory: a message naming what the run was doing, exit 2, nothing written. A
        # ledger of 400,000 partners (no partner table) in a 96 MB address space. (Since payouts are
        # streamed the run no longer grows while it evaluates: 160 MB, where the payouts ran out of
        # memory, is now enough; it peaks at about 122 MB, merging what it read.)
        big = d / "big.csv"
        with big.open("w") as f:
            f.write("date,partner,amount\n")
            for i in range(400000):
                f.write(f"2026-07-01,P{i},{i % 97}.5\n")
        (d / "open.rebate").write_text(PROGRAM.replace("partner table partners { id: Text as key }\n", ""))
        oom_out = d / "oom.csv"
        r = run(["run", str(d / "open.rebate"), "--input", f"sales={big}", "--out", str(oom_out), "--threads", "1"], 2,
                err_has=["out of memory while", "no output file was written"], limit_memory=96 << 20)
        check(not oom_out.exists() and not leftovers(d), "an out-of-memory run left an output behind")
        check("Aborted" not in r.stderr and r.returncode != -6, "out of memory aborted")

    for f in failures:
        print("FAIL", f)
    print(f"outputs: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

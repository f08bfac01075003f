#!/usr/bin/env python3
"""Where `rebate run` reads a ledger from, through the real CLI: a directory or a glob of files (plain,
gzip, zstd) read as one ledger, standard input (`--input sales=-`), and every bad case: files with
different headers, a corrupt or truncated archive, an empty directory, a glob matching nothing, a file
that cannot be opened, a file in another format. The amounts are example 04's hand-computed
expected.csv; the many-file runs must also write byte for byte what the one-file run writes, whatever
order the files were made or listed in.

Usage: inputs_cli.py --rebate build/bin/rebate --root .
"""
import argparse
import csv
import ctypes
import gzip
import json
import os
import pathlib
import random
import subprocess
import sys
import tempfile


def zstd_compress(data: bytes) -> bytes:
    """zstd through libzstd itself (Debian's libzstd1, which libzstd-dev brings), so no `zstd` command is needed."""
    lib = ctypes.CDLL("libzstd.so.1")
    lib.ZSTD_compressBound.restype = ctypes.c_size_t
    lib.ZSTD_compress.restype = ctypes.c_size_t
    lib.ZSTD_isError.restype = ctypes.c_uint
    bound = lib.ZSTD_compressBound(ctypes.c_size_t(len(data)))
    out = ctypes.create_string_buffer(bound)
    n = lib.ZSTD_compress(out, ctypes.c_size_t(bound), data, ctypes.c_size_t(len(data)), 3)
    assert not lib.ZSTD_isError(ctypes.c_size_t(n))
    return out.raw[:n]


def big_ledgers(rebate, d, check):
    """A ledger of about 70 MB, gzip- and zstd-compressed, pays what the plain file pays, and is decompressed as
    it is read: the run's peak memory stays well below the ledger's size (decompressing it whole first would
    peak above it)."""
    program = d / "big.rebate"
    program.write_text('program "Big" { currency: USD  period: quarter }\n'
                       "ledger sales { date: Date as date  partner: Text as partner  amount: Money }\n"
                       "measure revenue = sales.sum(amount)\n"
                       'rebate r "Revenue" { pay 1% of revenue }\n')
    block = "".join(f"2026-07-{1 + i % 28:02d},P{1 + i % 2},{i % 100}.25\n" for i in range(20000)).encode()
    text = b"date,partner,amount\n" + block * 150
    plain = d / "big.csv"
    plain.write_bytes(text)
    (d / "big.csv.gz").write_bytes(gzip.compress(text, compresslevel=1))
    (d / "big.csv.zst").write_bytes(zstd_compress(text))
    size = len(text)
    del text  # a forked child's peak memory counts what it inherited from this process before its exec

    # The run is started by a small fresh Python that reports its peak memory (wait4): a child forked from
    # this process, which has held the ledger, would count this process's memory as its own until its exec.
    measure = ("import os, subprocess, sys\n"
               "with open(sys.argv[1], 'wb') as out, open(sys.argv[2], 'wb') as err:\n"
               "    proc = subprocess.Popen(sys.argv[3:], stdout=out, stderr=err)\n"
               "    _, status, usage = os.wait4(proc.pid, 0)\n"
               "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)\n")

    def run_peak(path):
        r = subprocess.run([sys.executable, "-c", measure, str(d / "big.out"), str(d / "big.err"), rebate, "run", str(program),
                            "--input", f"sales={path}"], capture_output=True, text=True, timeout=300)
        code, peak_kb = (int(x) for x in r.stdout.split())
        return code, (d / "big.out").read_bytes(), peak_kb * 1024

    # Each partner's revenue, worked out here: 150 copies of a block whose line i has (i % 100).25 for
    # partner P(1 + i % 2); 1% of it, rounded half-even to cents.
    from decimal import Decimal, ROUND_HALF_EVEN
    revenue = {"P1": Decimal(0), "P2": Decimal(0)}
    for i in range(20000):
        revenue[f"P{1 + i % 2}"] += Decimal(f"{i % 100}.25")
    want = [f"{p},2026-Q3,r,{(v * 150 / 100).quantize(Decimal('0.01'), ROUND_HALF_EVEN)}".encode() for p, v in sorted(revenue.items())]
    code, expected, _ = run_peak(plain)
    check("the big plain ledger pays the amounts worked out", code == 0 and all(w in expected for w in want), expected[:300])
    for name in ["big.csv.gz", "big.csv.zst"]:
        code, out, peak = run_peak(d / name)
        check(f"{name} pays what the plain file pays", code == 0 and out == expected, (d / "big.err").read_text()[:300])
        check(f"{name} is read in bounded memory", peak < size * 0.6, f"peak {peak >> 20} MB for a {size >> 20} MB ledger")
    for name in ["big.csv", "big.csv.gz", "big.csv.zst"]:
        (d / name).unlink()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    ap.add_argument("--root", required=True)
    args = ap.parse_args()
    rebate = str(pathlib.Path(args.rebate).resolve())
    ex = pathlib.Path(args.root).resolve() / "examples" / "04-storage-volume-tiers"
    failures, passed = [], 0

    def check(name, ok, detail=""):
        nonlocal passed
        if ok:
            passed += 1
        else:
            failures.append(f"{name}: {detail}")

    def run(argv, stdin=None):
        return subprocess.run([rebate, "run", str(ex / "program.rebate"), "--input", f"partners={ex / 'partners.csv'}", *argv],
                              input=stdin, capture_output=True, timeout=60)

    with open(ex / "expected.csv", newline="") as f:
        expected = {(r["partner"], r["period"], r["rebate"]): r["amount"] for r in csv.DictReader(f)}

    def pays_expected(name, r):
        ok = r.returncode == 0
        got = {}
        if ok:
            got = {(p["partner"], p["period"], p["rebate"]): p["amount"] for p in json.loads(r.stdout)["payouts"]}
        check(name, ok and got == expected, f"exit {r.returncode}: {r.stderr.decode()[:500]}")

    sales = (ex / "sales.csv").read_bytes()
    header, *rows = sales.splitlines(keepends=True)
    rows = [r if r.endswith(b"\n") else r + b"\n" for r in rows]  # each row moves between files whole
    bad_amount = b"2026-07-01,P1,INV-X,AF-250,All-Flash,1,x\n"
    bad_date = b"2026-13-01,P1,INV-Y,AF-250,All-Flash,1,5.00\n"
    one_file = run(["--input", f"sales={ex / 'sales.csv'}", "--format", "json"])
    pays_expected("one file pays expected.csv", one_file)

    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)

        def split_into(folder, order_seed):
            """The ledger's rows dealt into three files, plain, gzip and zstd, made in a shuffled order."""
            folder.mkdir()
            parts = [rows[0::3], rows[1::3], rows[2::3]]
            makers = [("q3-a.csv", lambda b: b), ("q3-b.csv.gz", gzip.compress), ("q3-c.csv.zst", zstd_compress)]
            order = list(range(3))
            random.Random(order_seed).shuffle(order)
            for k in order:
                name, make = makers[k]
                (folder / name).write_bytes(make(header + b"".join(parts[k])))
            (folder / "README.txt").write_text("exports of Q3\n")
            return folder

        # ---- many files, one ledger ---------------------------------------------------------------------
        first = split_into(d / "exports", 1)
        second = split_into(d / "exports2", 2)  # the same files, made in another order
        by_dir = run(["--input", f"sales={first}", "--format", "json"])
        pays_expected("a directory of .csv, .csv.gz and .csv.zst pays expected.csv", by_dir)
        # The same JSON but for the note on the file left out (in summary.notes as on standard error).
        dir_doc = json.loads(by_dir.stdout) if by_dir.returncode == 0 else {"summary": {"notes": []}}
        notes = dir_doc["summary"].pop("notes")
        one_doc = json.loads(one_file.stdout)
        one_doc["summary"].pop("notes")
        check("a directory writes what one file writes", dir_doc == one_doc)
        check("the directory's other files are noted", any("README.txt" in n for n in notes) and b"README.txt" in by_dir.stderr,
              by_dir.stderr.decode()[:300])
        by_glob = run(["--input", f"sales={second}/q3-*", "--format", "json"])
        check("a glob writes what one file writes, whatever order the files were made in",
              by_glob.returncode == 0 and by_glob.stdout == one_file.stdout, by_glob.stderr.decode()[:300])

        # Errors in two files: the same messages, in the files' order, however the files were made.
        def broken(folder, order):
            folder.mkdir()
            files = {"a.csv": header + rows[0] + bad_amount, "b.csv.gz": gzip.compress(header + rows[1] + bad_date)}
            for name in order:
                (folder / name).write_bytes(files[name])
            return folder

        e1 = run(["--input", f"sales={broken(d / 'broken1', ['a.csv', 'b.csv.gz'])}"])
        e2 = run(["--input", f"sales={broken(d / 'broken2', ['b.csv.gz', 'a.csv'])}"])
        msg = e1.stderr.decode().replace("broken1", "broken")
        check("errors in many files name each file, the same whatever the order", e1.returncode == 1 and
              msg == e2.stderr.decode().replace("broken2", "broken") and
              msg.find("a.csv:3:") < msg.find("b.csv.gz:3:") and msg.find("a.csv:3:") >= 0, msg[:600])

        # ---- bad cases ----------------------------------------------------------------------------------
        def fails(name, sales_input, code, has, stdin=None):
            out = d / "out.csv"
            if out.exists():
                out.unlink()
            r = run(["--input", f"sales={sales_input}", "--out", str(out)], stdin=stdin)
            err = r.stderr.decode()
            problems = [f"exit {r.returncode}, expected {code}"] if r.returncode != code else []
            problems += [f"stderr lacks {h!r}" for h in has if h not in err]
            if out.exists():
                problems.append("--out was written")
            check(name, not problems, "; ".join(problems) + f"\n  stderr: {err[:500]}")

        other = d / "other"
        other.mkdir()
        (other / "a.csv").write_bytes(header + rows[0])
        (other / "b.csv").write_bytes(header.replace(b"Net Amount", b"Net Value") + rows[1])
        fails("different headers name both files", other, 1,
              [f"{other}/b.csv:1:1: the header differs from the header of `{other}/a.csv`", "CSV column 7 is `Net Value` here and `Net Amount` there"])
        gz = gzip.compress(sales)
        corrupt = bytearray(gz)
        corrupt[len(gz) // 2] ^= 0x55
        (d / "corrupt.csv.gz").write_bytes(bytes(corrupt))
        fails("a corrupt gzip file", d / "corrupt.csv.gz", 1, [f"{d}/corrupt.csv.gz: corrupt gzip data at byte "])
        zs = zstd_compress(sales)
        (d / "cut.csv.zst").write_bytes(zs[: len(zs) - 5])
        fails("a truncated zstd file", d / "cut.csv.zst", 1,
              [f"{d}/cut.csv.zst: the zstd data ends early, after {len(zs) - 5} bytes of the compressed file"])
        (d / "empty").mkdir()
        fails("an empty directory", d / "empty", 2, ["holds no ledger file"])
        fails("a glob that matches nothing", f"{d}/2026-*.csv", 2, [f"the pattern `{d}/2026-*.csv` matches no file"])
        (d / "links").mkdir()
        (d / "links" / "a.csv").write_bytes(sales)
        os.symlink(d / "nowhere.csv", d / "links" / "b.csv")
        fails("a file that cannot be opened", f"{d}/links/*.csv", 2, [f"{d}/links/b.csv: cannot open the file"])
        if os.geteuid() != 0:  # root reads any file whatever its mode
            (d / "locked.csv").write_bytes(sales)
            (d / "locked.csv").chmod(0)
            fails("an unreadable file", d / "locked.csv", 2, ["cannot open the file: Permission denied"])
        (d / "sales.csv.bz2").write_bytes(b"BZh91AY&SY" + os.urandom(40))
        # A regular file that says it has no bytes but has some (procfs): read as a stream, so its first
        # line is the header the error quotes, not "the file is empty".
        fails("a /proc file is read for its content, not its size of 0", "/proc/self/mountinfo", 1,
              ["/proc/self/mountinfo:1:1: missing columns"])
        fails("a file that is neither CSV nor gzip nor zstd", d / "sales.csv.bz2", 1, ["bzip2-compressed data, not CSV"])
        (d / "plain.csv.gz").write_bytes(sales)
        fails("a name that says gzip on a plain file", d / "plain.csv.gz", 1, ["name says gzip-compressed"])

        # ---- standard input -----------------------------------------------------------------------------
        pays_expected("standard input (`-`) pays expected.csv", run(["--input", "sales=-", "--format", "json"], stdin=sales))
        pays_expected("gzip on standard input pays expected.csv", run(["--input", "sales=-", "--format", "json"], stdin=gz))
        fails("a bad row on standard input is named <stdin>", "-", 1, ["<stdin>:3:"], stdin=header + rows[0] + bad_amount)
        r = subprocess.run([rebate, "run", str(ex / "program.rebate"), "--input", "partners=-", "--input", "sales=-"],
                           input=b"", capture_output=True, timeout=60)
        check("two inputs from standard input are refused", r.returncode == 2 and b"both read standard input" in r.stderr,
              r.stderr.decode()[:300])

        # ---- rejected rows of many files: every file's, after one header ------------------------------------
        rej = d / "rej"
        rej.mkdir()
        (rej / "a.csv").write_bytes(header + rows[0] + bad_amount)
        unknown_partner = b"2026-07-03,P99,INV-Z,AF-250,All-Flash,1,5.00\n"
        (rej / "b.csv").write_bytes(header + bad_date + rows[1] + unknown_partner)
        r = run(["--input", f"sales={rej}", "--on-bad-row", "reject", "--rejects", str(d / "rejects")])

        def lines_of(name):
            return (d / name).read_bytes().splitlines() if (d / name).exists() else []

        # Every file's rows after one header, each with its file, its line in that file and why.
        head = header.rstrip(b"\r\n") + b",_file,_line,_error"
        lines = lines_of("rejects.sales.csv")
        check("rejected rows of many files follow one header, each naming its file", r.returncode == 0 and len(lines) == 3 and
              lines[0] == head and lines[1].startswith(bad_amount.rstrip() + f",{rej}/a.csv,3,".encode()) and
              lines[2].startswith(bad_date.rstrip() + f",{rej}/b.csv,2,".encode()), f"exit {r.returncode} {r.stderr.decode()[:300]}\n{lines}")
        lines = lines_of("rejects.sales.unknown-partners.csv")
        check("a line of an unknown partner in one of many files names its file", len(lines) == 2 and lines[0] == head and
              lines[1].startswith(unknown_partner.rstrip() + f",{rej}/b.csv,4,".encode()), f"{lines}")

        big_ledgers(rebate, d, check)

    for f in failures:
        print("FAIL", f)
    print(f"run inputs: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

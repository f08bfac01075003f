#!/usr/bin/env python3
"""`rebate fmt` through the real CLI.

Properties, on every .rebate file of the repository that parses (examples, stdlib, tests/** with the fuzz
corpus, editors/): formatting is idempotent (fmt(fmt(x)) == fmt(x)); it preserves meaning (the
`rebate check --dump=ast` of the input and of the output are equal); it preserves comments (the multiset
of comments, found here by a scanner of this file's own, is equal, trailing spaces aside). Files that do
not parse are not formatted (exit 1, diagnostics, no output).

The command line: --check (exit 1 and the files named, nothing written), --diff (the same hunks as the
system's `diff -u`, and `patch` rebuilds the output from it), `-` (standard input to standard output),
directories (recursively, hidden ones left out) and the current directory, a file with syntax errors left
byte for byte as it was, atomic rewrites (a write that fails or a process killed mid-write leaves the old
text; no temporary left behind on failure), permissions and symbolic links kept, unchanged files not
rewritten, and the exit codes (2 for usage and I/O problems).
"""
import argparse
import os
import pathlib
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile

SKIP_DIRS = {"build", ".git", "node_modules"}


def rebate_files(root: pathlib.Path):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("build"))
        for f in sorted(filenames):
            if f.endswith(".rebate"):
                out.append(pathlib.Path(dirpath) / f)
    return out


def comments(text: str):
    """The comments of a Rebate text: `//` (and `///`) to the end of the line, `/* ... */`; never inside a
    string. Each with the spaces at the ends of its lines removed, sorted (a multiset)."""
    found = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] not in '"\r\n':
                i += 2 if text[i] == "\\" and i + 1 < n and text[i + 1] not in "\r\n" else 1
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            found.append(text[i:end])
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            found.append(text[i:end])
            i = end
        else:
            i += 1
    return sorted("\n".join(line.rstrip(" \t\r") for line in c.split("\n")) for c in found)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    ap.add_argument("--root", required=True)
    args = ap.parse_args()
    rebate = str(pathlib.Path(args.rebate).resolve())
    root = pathlib.Path(args.root).resolve()
    failures = []
    passed = 0

    def expect(cond, what):
        nonlocal passed
        if cond:
            passed += 1
        else:
            failures.append(what)
        return cond

    def fmt(argv, stdin=None, cwd=None, **kw):
        return subprocess.run([rebate, "fmt"] + argv, input=stdin, capture_output=True, cwd=cwd, timeout=120, **kw)

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="rebate-fmt-test-"))
    try:
        # ---- the properties, on every .rebate file of the repository ---------------------------------
        # A copy of every file, so that the texts compared by --dump=ast sit where their imports resolve
        # as the original's do, without writing into the source tree.
        files = rebate_files(root)
        mirror = tmp / "mirror"
        for path in files:
            copy = mirror / path.relative_to(root)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)
        formatted = skipped = dumped = 0
        shapes = set()  # which folders had a file formatted
        for path in files:
            rel = path.relative_to(root)
            source = path.read_bytes()
            r = fmt(["-"], stdin=source)
            if r.returncode == 1:
                # Not formatted: syntax errors, reported; nothing on standard output.
                expect(r.stdout == b"" and b"error" in r.stderr, f"{rel}: exit 1 without diagnostics, or with output")
                skipped += 1
                continue
            if not expect(r.returncode == 0, f"{rel}: exit {r.returncode}: {r.stderr.decode(errors='replace')[-800:]}"):
                continue
            out = r.stdout
            formatted += 1
            shapes.add(rel.parts[0] if rel.parts[0] != "tests" else "/".join(rel.parts[:2]))
            again = fmt(["-"], stdin=out)
            expect(again.returncode == 0 and again.stdout == out, f"{rel}: not idempotent")
            before = mirror / rel.parent / f"{rel.stem}.fmt-before.rebate"
            after = mirror / rel.parent / f"{rel.stem}.fmt-after.rebate"
            before.write_bytes(source)
            after.write_bytes(out)
            da = subprocess.run([rebate, "check", "--dump=ast", str(before)], capture_output=True, timeout=60)
            db = subprocess.run([rebate, "check", "--dump=ast", str(after)], capture_output=True, timeout=60)
            expect(da.stdout == db.stdout, f"{rel}: the AST changed")
            dumped += da.stdout != b""
            ca, cb = comments(source.decode("utf-8", errors="replace")), comments(out.decode("utf-8"))
            expect(ca == cb, f"{rel}: the comments changed: {sorted(set(ca) ^ set(cb))[:3]}")
        expect(formatted >= 150 and dumped >= 150, f"only {formatted} files formatted, {dumped} with an AST")
        for where in ("examples", "stdlib", "editors", "tests/check", "tests/fuzz"):
            expect(where in shapes, f"no file under {where} was formatted")
        expect(skipped >= 5, f"only {skipped} files with syntax errors (the lex tests and fuzz corpus have more)")

        # The examples and the standard library are kept formatted.
        r = fmt(["--check", "examples", "stdlib"], cwd=root)
        expect(r.returncode == 0 and r.stdout == b"", f"examples/ and stdlib/ are not formatted: {r.stdout.decode()[:500]}")

        # ---- --check, --diff, directories --------------------------------------------------------------
        work = tmp / "work"
        (work / "sub" / ".hidden").mkdir(parents=True)
        messy = b"const   a=1\nmeasure m = sales.sum( amount )\n"
        tidy = b"const a = 1\n\nmeasure m = sales.sum(amount)\n"
        (work / "a.rebate").write_bytes(messy)
        (work / "sub" / "b.rebate").write_bytes(tidy)
        (work / "sub" / ".hidden" / "c.rebate").write_bytes(messy)
        (work / "notes.txt").write_bytes(messy)
        r = fmt(["--check", "."], cwd=work)
        expect(r.returncode == 1 and r.stdout == b"would reformat a.rebate\n", f"--check: {r.returncode} {r.stdout!r}")
        expect((work / "a.rebate").read_bytes() == messy, "--check wrote a file")
        r = fmt(["--diff"], cwd=work)
        expect(r.returncode == 0 and r.stdout.startswith(b"--- a/a.rebate\n+++ b/a.rebate\n"), f"--diff: {r.returncode} {r.stdout!r}")
        expect((work / "a.rebate").read_bytes() == messy, "--diff wrote a file")
        r = fmt(["--check", "--diff", "a.rebate"], cwd=work)
        expect(r.returncode == 1 and b"would reformat a.rebate" in r.stdout and b"@@" in r.stdout, "--check --diff")
        b_stat = os.stat(work / "sub" / "b.rebate")
        r = fmt([], cwd=work)
        expect(r.returncode == 0 and r.stdout == b"" and r.stderr == b"", f"fmt: {r.returncode} {r.stderr!r}")
        expect((work / "a.rebate").read_bytes() == tidy, "the file was not rewritten")
        expect((work / "sub" / ".hidden" / "c.rebate").read_bytes() == messy, "a hidden directory was formatted")
        expect((work / "notes.txt").read_bytes() == messy, "a file that is not .rebate was formatted")
        after = os.stat(work / "sub" / "b.rebate")
        expect((after.st_ino, after.st_mtime_ns) == (b_stat.st_ino, b_stat.st_mtime_ns), "an unchanged file was rewritten")
        r = fmt(["--check", str(work)])
        expect(r.returncode == 0 and r.stdout == b"", "--check after formatting")
        # A file named on the command line is formatted whatever its name.
        (work / "notes.txt").write_bytes(messy)
        r = fmt([str(work / "notes.txt")])
        expect(r.returncode == 0 and (work / "notes.txt").read_bytes() == tidy, "a named file")
        expect(sorted(p.name for p in work.iterdir()) == ["a.rebate", "notes.txt", "sub"], f"temporaries left: {list(work.iterdir())}")

        # --diff agrees with the system's diff, and patch rebuilds the output from it.
        cases = {
            "tiers": b"tiers t retroactive {\nfrom 0 USD to 100 USD: 2%\n  from 100 USD to 500_000 USD: 4%\nfrom 500_000 USD: 6%\n}\n",
            "long": b"const a = 1\n\nmeasure promo_units = licence_sales.sum(units where product == \"CloudVault\" and booked_on in promo_start .. promo_end)\n\nconst b = 2\n",
            "apart": b"const a=1\n\nconst b = 2\n\nconst c = 3\n\nconst d = 4\n\nconst e = 5\n\nconst f = 6\n\nconst g=7\n",
            "no-newline": b"const a = 1\n\nconst b = 2",
            "crlf": b"const a = 1\r\n\r\nconst b = 2\r\n",
        }
        for name, text in cases.items():
            case = tmp / f"{name}.rebate"
            case.write_bytes(text)
            expected = fmt(["-"], stdin=text).stdout
            (tmp / "expected").write_bytes(expected)
            ours = fmt(["--diff", str(case)]).stdout
            label = str(case)
            system = subprocess.run(["diff", "-u", "--label", f"a/{label}", "--label", f"b/{label}", str(case), str(tmp / "expected")],
                                    capture_output=True).stdout
            expect(ours == system, f"--diff {name} differs from diff -u:\n{ours.decode()}\n---- diff -u:\n{system.decode()}")
            if shutil.which("patch"):
                patched = tmp / "patched.rebate"
                shutil.copy(case, patched)
                p = subprocess.run(["patch", "-s", "-o", str(tmp / "out.rebate"), str(patched)], input=ours, capture_output=True)
                expect(p.returncode == 0 and (tmp / "out.rebate").read_bytes() == expected, f"patch with --diff {name}: {p.stderr!r}")
        # On the examples squeezed onto few lines, the diffs are as small as diff's (--minimal).
        for path in sorted((root / "examples").glob("*/program.rebate"))[:6]:
            squeezed = tmp / "squeezed.rebate"
            squeezed.write_bytes(re.sub(rb"\n(\s*(pay|from|cap|require|eligible|expect))", rb" \1", path.read_bytes()))
            formatted_text = fmt(["-"], stdin=squeezed.read_bytes()).stdout
            (tmp / "expected").write_bytes(formatted_text)
            ours = fmt(["--diff", str(squeezed)]).stdout.decode()
            system = subprocess.run(["diff", "--minimal", "-u", str(squeezed), str(tmp / "expected")], capture_output=True).stdout.decode()
            count = lambda d, c: sum(1 for l in d.split("\n") if l.startswith(c) and not l.startswith(c * 3))
            expect((count(ours, "-"), count(ours, "+")) == (count(system, "-"), count(system, "+")) and ours,
                   f"--diff of squeezed {path.parent.name}: {count(ours, '-')}/{count(ours, '+')} lines, diff: {count(system, '-')}/{count(system, '+')}")

        # ---- the docs: docs/style.md's examples are in the layout they describe; docs/ci.md's commands run -
        style = (root / "docs" / "style.md").read_text()
        blocks = re.findall(r"```rebate\n(.*?)```", style, re.S)
        expect(len(blocks) >= 5, f"docs/style.md has {len(blocks)} rebate blocks")
        for block in blocks:
            r = fmt(["-"], stdin=block.encode())
            expect(r.returncode == 0 and r.stdout.decode() == block, f"docs/style.md: a block is not canonical:\n{block}\n---\n{r.stdout.decode()}")
        before_after = re.search(r"```text\n(.*?)```\s*```rebate\n(.*?)```", style, re.S)
        if expect(before_after is not None, "docs/style.md has no before-and-after example"):
            r = fmt(["-"], stdin=before_after.group(1).encode())
            expect(r.stdout.decode() == before_after.group(2), "docs/style.md: the before-and-after example is not what rebate fmt does")
        ci = (root / "docs" / "ci.md").read_text()
        repo = tmp / "ci-repo"
        shutil.copytree(root / "examples", repo)
        env = dict(os.environ, PATH=f"{pathlib.Path(rebate).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        recipes = re.findall(r"```yaml\n(.*?)```", ci, re.S)
        expect(len(recipes) >= 2, "docs/ci.md has fewer than two recipes")
        for recipe in recipes:
            # GitHub's `run:` and GitLab's `- ` lines; a pre-commit hook's `entry:` is the command the hook runs
            # on the files (here: all of them, as `pre-commit run --all-files` would).
            commands = [m.group(1).strip() for m in re.finditer(r"^\s*(?:- )?(?:run: |entry: )?(.*)$", recipe, re.M)
                        if re.search(r"\brebate fmt\b", m.group(1)) and not m.group(1).startswith("name:")]
            expect(any("--check" in c for c in commands), f"a docs/ci.md recipe has no `rebate fmt --check`: {commands}")
            for c in commands:
                p = subprocess.run(["bash", "-euo", "pipefail", "-c", c], cwd=repo, env=env, capture_output=True, timeout=120)
                expect(p.returncode == 0, f"docs/ci.md: `{c}` exits {p.returncode} on the examples: {p.stdout[-500:]!r}")
                (repo / "messy.rebate").write_bytes(messy)
                p = subprocess.run(["bash", "-euo", "pipefail", "-c", c], cwd=repo, env=env, capture_output=True, timeout=120)
                expect(p.returncode == 1 and b"messy.rebate" in p.stdout, f"docs/ci.md: `{c}` passes an unformatted file")
                (repo / "messy.rebate").unlink()

        # ---- standard input ----------------------------------------------------------------------------
        r = fmt(["-"], stdin=messy)
        expect(r.returncode == 0 and r.stdout == tidy, f"- : {r.stdout!r}")
        r = fmt(["--check", "-"], stdin=messy)
        expect(r.returncode == 1 and r.stdout == b"would reformat <stdin>\n", f"--check - : {r.stdout!r}")
        r = fmt(["--check", "-"], stdin=tidy)
        expect(r.returncode == 0 and r.stdout == b"", "--check - on a tidy text")
        r = fmt(["--diff", "-"], stdin=messy)
        expect(r.returncode == 0 and r.stdout.startswith(b"--- a/<stdin>\n"), "--diff -")
        r = fmt(["-"], stdin=b"const a = ")
        expect(r.returncode == 1 and r.stdout == b"" and b"E0107" in r.stderr and b"<stdin>" in r.stderr, f"- with a syntax error: {r.stderr!r}")
        with open("/dev/full", "wb") as full:
            r = subprocess.run([rebate, "fmt", "-"], input=messy, stdout=full, stderr=subprocess.PIPE, timeout=60)
        expect(r.returncode == 2 and b"standard output" in r.stderr, f"- to /dev/full: {r.returncode} {r.stderr!r}")

        # ---- syntax errors: nothing written ------------------------------------------------------------
        broken = tmp / "broken"
        broken.mkdir()
        bad = b"const   a = 1\nrebate r { pay 1% && 2% }\n"
        (broken / "bad.rebate").write_bytes(bad)
        (broken / "good.rebate").write_bytes(messy)
        before = os.stat(broken / "bad.rebate")
        r = fmt([str(broken)])
        expect(r.returncode == 1 and b"E0104" in r.stderr and b"1 file has errors and was left as it was" in r.stderr, f"syntax errors: {r.returncode} {r.stderr!r}")
        after = os.stat(broken / "bad.rebate")
        expect((broken / "bad.rebate").read_bytes() == bad and (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns),
               "a file with syntax errors was touched")
        expect((broken / "good.rebate").read_bytes() == tidy, "the other file was not formatted")

        # Allow comments silence lints by lines: a layout that would move a lint off its allow comment's line
        # is refused; one that keeps every lint where its comment reaches it is written, and checks as before.
        header = b"program \"P\" { currency: USD  period: quarter }\nledger sales { d: Date as date  p: Text as partner  family: Text  amount: Money }\n"
        moved = header + (b"measure total = sales.sum(amount)\n"
                          b"measure ratio = total / sales.sum(amount where family == \"x\") + sales.sum(amount where family == \"storage appliances\") / total"
                          b" // rebate: allow(division-by-zero)\nrebate r { pay 1% of ratio * 1 USD }\n")
        (broken / "allow.rebate").write_bytes(moved)
        r = fmt([str(broken / "allow.rebate")])
        expect(r.returncode == 1 and b"W0005 would appear" in r.stderr and (broken / "allow.rebate").read_bytes() == moved,
               f"an allow comment left behind: {r.returncode} {r.stderr!r}")
        kept = header + (b"// rebate: allow(unused-measure)\nmeasure spare = sales.sum(amount where family == \"storage appliances and software\")"
                         b" + sales.sum(amount where family == \"y\")\nmeasure total = sales.sum(amount)\n"
                         b"measure ratio = sales.count(where family == \"storage appliances and software\") + sales.count(where family == \"backup\")"
                         b" + sales.sum(amount) / total // rebate: allow(division-by-zero)\nrebate r { pay 1% of ratio * 1 USD }\n")
        (broken / "allow.rebate").write_bytes(kept)
        r = fmt([str(broken / "allow.rebate")])
        formatted_kept = (broken / "allow.rebate").read_bytes()
        c = subprocess.run([rebate, "check", "--strict", str(broken / "allow.rebate")], capture_output=True)
        expect(r.returncode == 0 and formatted_kept != kept and c.returncode == 0,
               f"allow comments that keep their lints: fmt {r.returncode} {r.stderr!r}, check {c.returncode} {c.stderr[-400:]!r}")
        (broken / "allow.rebate").unlink()

        # A file whose formatted text would be over the size a program may have (4 MiB) is not formatted.
        grows = broken / "grows.rebate"
        grows.write_bytes(b"const a = [" + b", ".join(b"%d" % i for i in range(380_000)) + b"]\n")
        before = grows.read_bytes()
        r = fmt([str(grows)])
        expect(r.returncode == 1 and b"E0103" in r.stderr and b"would be" in r.stderr and grows.read_bytes() == before,
               f"a result over 4 MiB: {r.returncode} {r.stderr[-300:]!r}")
        grows.unlink()

        # ---- atomic rewrites, permissions, links -------------------------------------------------------
        atomic = tmp / "atomic"
        atomic.mkdir()
        target = atomic / "p.rebate"
        big = b"\n".join(b"const c%d   =   %d" % (i, i) for i in range(3000)) + b"\n"

        def limited(ignore_signal):
            def setup():
                resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
                if ignore_signal:
                    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            return setup

        # A full disk (a file size limit): the write fails, the file keeps its text, no temporary is left.
        target.write_bytes(big)
        r = subprocess.run([rebate, "fmt", str(target)], capture_output=True, preexec_fn=limited(True), timeout=60)
        expect(r.returncode == 2 and b"left as it was" in r.stderr, f"full disk: {r.returncode} {r.stderr!r}")
        expect(target.read_bytes() == big, "a failed write changed the file")
        expect(sorted(p.name for p in atomic.iterdir()) == ["p.rebate"], f"a failed write left {list(atomic.iterdir())}")
        # Killed in the middle of the write (SIGXFSZ): the file keeps its text.
        r = subprocess.run([rebate, "fmt", str(target)], capture_output=True, preexec_fn=limited(False), timeout=60)
        expect(r.returncode < 0 and target.read_bytes() == big, f"killed mid-write: {r.returncode}, file {'kept' if target.read_bytes() == big else 'changed'}")
        for p in atomic.iterdir():
            if p.name != "p.rebate":
                p.unlink()
        # A directory the formatter cannot write in (not for root, who may write anywhere).
        if os.geteuid() != 0:
            target.write_bytes(messy)
            os.chmod(atomic, 0o555)
            try:
                r = fmt([str(target)])
                expect(r.returncode == 2 and target.read_bytes() == messy, f"read-only directory: {r.returncode}")
            finally:
                os.chmod(atomic, 0o755)
        # Permissions kept; a symbolic link stays a link to the formatted file.
        target.write_bytes(messy)
        os.chmod(target, 0o640)
        link = atomic / "link.rebate"
        link.symlink_to("p.rebate")
        r = fmt([str(link)])
        expect(r.returncode == 0 and link.is_symlink() and target.read_bytes() == tidy, f"through a link: {r.returncode} {r.stderr!r}")
        expect(stat.S_IMODE(os.stat(target).st_mode) == 0o640, f"permissions {oct(stat.S_IMODE(os.stat(target).st_mode))}")

        # ---- exit codes for usage and I/O problems -----------------------------------------------------
        for argv, what in (([str(tmp / "missing.rebate")], "does not exist"), (["-", "a.rebate"], "other paths"),
                           (["--nope"], "--nope")):
            r = fmt(argv, cwd=work)
            expect(r.returncode == 2 and what.encode() in r.stderr, f"{argv}: {r.returncode} {r.stderr!r}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    for f in failures:
        print("FAIL:", f)
    print(f"format: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

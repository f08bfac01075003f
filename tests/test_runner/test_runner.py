#!/usr/bin/env python3
"""`rebate test` through the real CLI: every example's tests pass (counted here independently), a wrong
expectation fails showing the expected and actual values and the explanation, an expectation with no
payout is an error, a column left out is an error naming it, --filter, --fail-fast, the JSON shape, the
JUnit report against the schema beside this file, the exit codes, and the commands docs/ci.md lists
(run against a copy of examples/, so that the recipe cannot rot)."""
import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed", re.M)


def count_tests(root: pathlib.Path):
    """Test blocks of the program files under root (a file with a `program` header), by file."""
    counts = {}
    for f in sorted(root.rglob("*.rebate")):
        text = f.read_text()
        if not re.search(r'^\s*program\s+"', text, re.M):
            continue
        counts[f] = len(re.findall(r'^\s*test\s+"', text, re.M))
    return counts


def test_titles(path: pathlib.Path):
    return re.findall(r'^\s*test\s+"([^"]*)"', path.read_text(), re.M)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    ap.add_argument("--root", required=True)
    args = ap.parse_args()
    rebate = str(pathlib.Path(args.rebate).resolve())
    # The engines of the build, from `rebate --version`: every test runs on each of them.
    version = subprocess.run([rebate, "--version"], capture_output=True, text=True).stdout
    built = version.split("(engines: ")[1].split(")")[0].replace(" or ", ", ").split(", ")
    root = pathlib.Path(args.root).resolve()
    failures = []
    passed = 0

    def run(argv, code, cwd=None, out_has=(), err_has=(), out_lacks=()):
        nonlocal passed
        r = subprocess.run([rebate] + argv, capture_output=True, text=True, errors="replace", timeout=120, cwd=cwd)
        problems = []
        if r.returncode != code:
            problems.append(f"exit {r.returncode}, expected {code}")
        problems += [f"stdout lacks {s!r}" for s in out_has if s not in r.stdout]
        problems += [f"stderr lacks {s!r}" for s in err_has if s not in r.stderr]
        problems += [f"stdout has {s!r}" for s in out_lacks if s in r.stdout]
        if problems:
            failures.append(f"rebate {' '.join(argv)}: " + "; ".join(problems) + f"\n  stdout: {r.stdout[-1500:]}\n  stderr: {r.stderr[-800:]}")
        else:
            passed += 1
        return r

    def expect(cond, what):
        nonlocal passed
        if cond:
            passed += 1
        else:
            failures.append(what)

    examples = root / "examples"
    counts = count_tests(examples)
    total = sum(counts.values())
    expect(all(n > 0 for n in counts.values()), f"an example has no test: {[str(f) for f, n in counts.items() if n == 0]}")
    expect(total >= 40 and len(counts) >= 15, f"the examples hold {total} tests in {len(counts)} programs; expected more")

    # 1. Every example's tests pass, and all of them ran: the count is the one found here.
    r = run(["test", "examples/"], 0, cwd=root)
    m = SUMMARY.search(r.stdout)
    expect(m is not None and int(m.group(1)) == total and int(m.group(2)) == 0,
           f"summary of `rebate test examples/`: {m.group(0) if m else r.stdout[-300:]!r}, expected {total} passed, 0 failed")
    expect(r.stdout.count("\nPASS ") + r.stdout.startswith("PASS ") == total, f"`rebate test examples/` printed {r.stdout.count('PASS ')} PASS lines, expected {total}")
    for f, n in counts.items():
        rel = f.relative_to(root).as_posix()
        expect(r.stdout.count(f"PASS {rel}:") == n, f"{rel}: {n} tests, {r.stdout.count(f'PASS {rel}:')} PASS lines")
    # Each program alone, and every engine by name.
    run(["test", "examples/04-storage-volume-tiers/program.rebate", "--engine", "vm"], 0, cwd=root, out_has=["10 passed, 0 failed"])
    run(["test", "examples/04-storage-volume-tiers/program.rebate", "--engine", "all"], 0, cwd=root, out_has=["10 passed, 0 failed"])
    for engine in built:
        run(["test", "examples/04-storage-volume-tiers/program.rebate", "--engine", engine], 0, cwd=root, out_has=["10 passed, 0 failed"])
    # No path: the current directory.
    run(["test"], 0, cwd=examples / "14-status-awards", out_has=[f"{counts[examples / '14-status-awards' / 'program.rebate']} passed, 0 failed"])

    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        src = (examples / "04-storage-volume-tiers" / "program.rebate").read_text()
        # Copies of example 04 in this directory read its fixture from here (paths are relative to the program).
        shutil.copytree(examples / "04-storage-volume-tiers" / "fixtures", d / "fixtures")

        # 2. A wrong expected amount fails, with the expect's place, both values and the explanation.
        wrong = src.replace('expect storage_volume for "P1" in 2026-Q3 = 35_880 USD', 'expect storage_volume for "P1" in 2026-Q3 = 999_999 USD')
        expect(wrong != src, "example 04 no longer has the expectation this test changes")
        (d / "wrong.rebate").write_text(wrong)
        line = next(i + 1 for i, l in enumerate(wrong.splitlines()) if "999_999 USD" in l)
        col = wrong.splitlines()[line - 1].index("expect") + 1
        r = run(["test", str(d / "wrong.rebate")], 1,
                out_has=["FAIL ", "a gold partner reaches 6%, after a credit note", f"wrong.rebate:{line}:{col}: expect storage_volume",
                         "expected: 999999.00 USD", "actual:   35880.00 USD", "storage_revenue = ", "band: ", "9 passed, 1 failed"])
        # The summary is the last line, in the form CI tools read.
        last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
        expect(re.match(r"^\d+ passed, \d+ failed", last) is not None, f"last line {last!r} is not the summary")

        # 3. An expectation for a partner with no payout is an error, not a pass and not a crash.
        nopay = src.replace('expect storage_volume for "P1" in 2026-Q3 = 35_880 USD',
                            'expect storage_volume for "P1" in 2026-Q3 = 35_880 USD\n    expect storage_volume for "P77" in 2026-Q3 = 0 USD')
        (d / "nopay.rebate").write_text(nopay)
        run(["test", str(d / "nopay.rebate")], 1, out_has=["ERROR ", "no payout of `storage_volume` for partner \"P77\" in 2026-Q3",
                                                          "9 passed, 1 failed (1 of them an error)"])
        # A period the run does not pay is an error too.
        noperiod = src.replace('expect storage_volume for "P1" in 2026-Q3 = 35_880 USD',
                               'expect storage_volume for "P1" in 2027-Q1 = 0 USD')
        (d / "noperiod.rebate").write_text(noperiod)
        run(["test", str(d / "noperiod.rebate")], 1, out_has=["ERROR ", "in 2027-Q1", "2026-Q4"])

        # 4. A column the rules read that the test leaves out: an error naming the column.
        notier = src.replace('    given partners (id, tier) {\n        ("P1", gold)\n    }', '    given partners (id) {\n        ("P1")\n    }', 1)
        expect(notier != src, "example 04's first test no longer gives partners (id, tier)")
        (d / "notier.rebate").write_text(notier)
        run(["test", str(d / "notier.rebate")], 1, out_has=["ERROR ", "the test gives no `tier` for `partners`", "partner.tier"])

        # 5. --filter keeps the tests whose name contains the text.
        titles = test_titles(examples / "04-storage-volume-tiers" / "program.rebate")
        kept = [t for t in titles if "band" in t]
        expect(0 < len(kept) < len(titles), f"--filter band should keep some of {titles}")
        r = run(["test", "examples/04-storage-volume-tiers", "--filter", "band"], 0, cwd=root, out_has=[f"{len(kept)} passed, 0 failed"])
        expect(all(("PASS" not in l) or any(t in l for t in kept) for l in r.stdout.splitlines()), "--filter ran a test it should not have")
        run(["test", "examples/", "--filter", "no test is called this"], 0, cwd=root, out_has=["0 passed, 0 failed"])

        # 6. --fail-fast stops at the first failure.
        twice = wrong.replace("= 4_000 USD", "= 4_001 USD")
        (d / "twice.rebate").write_text(twice)
        run(["test", str(d / "twice.rebate")], 1, out_has=["8 passed, 2 failed"])
        r = run(["test", str(d / "twice.rebate"), "--fail-fast"], 1, out_has=["0 passed, 1 failed", "--fail-fast"])
        expect(r.stdout.count("FAIL ") == 1, "--fail-fast printed more than one failure")

        # 7. JSON: the documented shape.
        r = run(["test", "--format", "json", str(d / "wrong.rebate"), str(d / "nopay.rebate")], 1)
        try:
            doc = json.loads(r.stdout)
            expect(doc["engines"] == built, f"engines {doc['engines']}, expected {built}")
            expect(doc["summary"] == {"passed": 18, "failed": 1, "errors": 1, "programs": 2, "programs_not_compiling": 0},
                   f"json summary {doc['summary']}")
            p = doc["programs"][0]
            expect(set(p) == {"file", "title", "compiled", "tests"}, f"program keys {sorted(p)}")
            t = p["tests"][0]
            expect(set(t) >= {"name", "file", "line", "result", "seconds", "engines", "errors", "expects"}, f"test keys {sorted(t)}")
            expect(t["result"] == "fail" and t["name"] == "a gold partner reaches 6%, after a credit note", f"first test {t['name']} {t['result']}")
            e = t["expects"][0]
            expect(set(e) >= {"location", "source", "kind", "name", "partner", "period", "expected", "actual", "result", "message", "explanation"},
                   f"expect keys {sorted(e)}")
            expect((e["expected"], e["actual"], e["partner"], e["period"], e["kind"]) == ("999999.00 USD", "35880.00 USD", "P1", "2026-Q3", "rebate"),
                   f"expect values {e}")
            expect(e["location"] == f"{d / 'wrong.rebate'}:{line}:{col}", f"location {e['location']}")
            err = [x for x in doc["programs"][1]["tests"] if x["result"] == "error"]
            expect(len(err) == 1 and err[0]["expects"][1]["actual"] is None, "the no-payout error in JSON")
        except (ValueError, KeyError, IndexError) as ex:
            failures.append(f"json report: {ex!r}\n{r.stdout[:1500]}")

        # 8. JUnit XML, valid against the schema, with the failure and the error in it.
        r = run(["test", "--format", "junit", str(d / "wrong.rebate"), str(d / "nopay.rebate"), str(examples / "14-status-awards")], 1)
        (d / "report.xml").write_text(r.stdout)
        xsd = pathlib.Path(__file__).with_name("junit.xsd")
        # xmllint comes with Debian's libxml2-utils (scripts/install-deps.sh): without it the check fails.
        expect(shutil.which("xmllint") is not None, "xmllint is missing: install libxml2-utils")
        if shutil.which("xmllint"):
            v = subprocess.run(["xmllint", "--noout", "--schema", str(xsd), str(d / "report.xml")], capture_output=True, text=True)
            expect(v.returncode == 0, f"the JUnit report does not validate: {v.stderr[:1500]}")
        try:
            tree = ET.fromstring(r.stdout)
            expect(tree.tag == "testsuites", f"root {tree.tag}")
            suites = tree.findall("testsuite")
            expect(len(suites) == 3, f"{len(suites)} testsuites")
            for s in suites:
                for a in ("name", "tests", "failures", "errors"):
                    expect(a in s.attrib, f"testsuite without {a}")
                expect(int(s.get("tests")) == len(s.findall("testcase")), "testsuite tests count")
                expect(int(s.get("failures")) == len(s.findall("testcase/failure")), "testsuite failures count")
                expect(int(s.get("errors")) == len(s.findall("testcase/error")), "testsuite errors count")
            fail = tree.find(".//failure")
            expect(fail is not None and "999999.00 USD" in fail.get("message", "") and "35880.00 USD" in (fail.text or ""),
                   "the JUnit failure names the values")
            error = tree.find(".//error")
            expect(error is not None and "P77" in error.get("message", ""), "the JUnit error names the partner")
            expect(tree.get("tests") == str(sum(int(s.get("tests")) for s in suites)), "testsuites tests count")
        except ET.ParseError as ex:
            failures.append(f"junit report is not XML: {ex}\n{r.stdout[:800]}")
        # Every example's report validates too.
        r = run(["test", "--format", "junit", "examples"], 0, cwd=root)
        (d / "examples.xml").write_text(r.stdout)
        if shutil.which("xmllint"):
            v = subprocess.run(["xmllint", "--noout", "--schema", str(xsd), str(d / "examples.xml")], capture_output=True, text=True)
            expect(v.returncode == 0, f"the examples' JUnit report does not validate: {v.stderr[:800]}")

        # 9. A program that does not compile: its diagnostics, exit 1.
        (d / "broken" ).mkdir()
        (d / "broken" / "p.rebate").write_text(src.replace("pay storage_tiers of storage_revenue", "pay storage_tiers of storage_revenu"))
        run(["test", str(d / "broken")], 1, err_has=["storage_revenu"], out_has=["does not compile", "0 passed, 1 failed (1 of them an error)"])
        # A library module (no program header) found in a directory is not a program: skipped.
        (d / "lib").mkdir()
        shutil.copy(examples / "shared" / "partners.rebate", d / "lib" / "partners.rebate")
        run(["test", str(d / "lib")], 0, out_has=["0 passed, 0 failed"])

        # 9b. Fixtures: `given sales from "PATH"`, relative to the program file wherever rebate runs.
        fixture_test = 'test "a quarter of the ERP export, from a fixture file"'
        expect(fixture_test in src and 'given sales from "fixtures/q3-export.csv"' in src, "example 04 no longer has its fixture test")
        run(["test", str(examples / "04-storage-volume-tiers"), "--filter", "fixture"], 0, cwd=d, out_has=["1 passed, 0 failed"])
        # A wrong expectation on a fixture's figures fails: the fixture's rows are really read.
        fx = d / "fx"
        fx.mkdir()
        shutil.copytree(examples / "04-storage-volume-tiers" / "fixtures", fx / "fixtures")
        (fx / "p.rebate").write_text(src.replace('= 5_340.02 USD', '= 5_340.03 USD'))
        run(["test", str(fx / "p.rebate"), "--filter", "fixture"], 1, out_has=["expected: 5340.03 USD", "actual:   5340.02 USD"])
        # A fixture line with one row more for P10 changes the figure: 133,500.50 + 1,000.00 = 134,500.50 x 4% = 5,380.02.
        with open(fx / "fixtures" / "q3-export.csv", "a") as f:
            f.write("2026-09-30,P10,INV-26-1099,AF-250,All-Flash,1,1000.00\n")
        run(["test", str(fx / "p.rebate"), "--filter", "fixture"], 1, out_has=["expected: 5340.03 USD", "actual:   5380.02 USD"])
        # A malformed cell: the fixture's file, line and column, and what was expected.
        (fx / "fixtures" / "q3-export.csv").write_text(
            (examples / "04-storage-volume-tiers" / "fixtures" / "q3-export.csv").read_text().replace("15000.00", "15,000.00", 1))
        r = run(["test", str(fx / "p.rebate"), "--filter", "fixture"], 1, out_has=["ERROR ", "q3-export.csv:3:"])
        # A missing fixture: an error naming the `given` line and the path it looked for, not a crash.
        (fx / "fixtures" / "q3-export.csv").unlink()
        line = next(i + 1 for i, l in enumerate(src.splitlines()) if 'given sales from' in l)
        run(["test", str(fx / "p.rebate"), "--filter", "fixture"], 1,
            out_has=["ERROR ", f"p.rebate:{line}:", "cannot read the fixture of `sales`", str(fx / "fixtures" / "q3-export.csv"), "no such file"])
        (fx / "fixtures" / "q3-export.csv").mkdir()
        run(["test", str(fx / "p.rebate"), "--filter", "fixture"], 1, out_has=["ERROR ", "it is a directory"])
        # An input given from a fixture and inline too is a check error (E0603), for `check` and `test` alike.
        both = src.replace('    given sales from "fixtures/q3-export.csv"\n',
                           '    given sales from "fixtures/q3-export.csv"\n    given sales (invoice_date, partner_id, family, amount) {\n'
                           '        (2026-07-03, "P10", "Primary Storage", 1 USD)\n    }\n')
        expect(both != src, "the E0603 case did not change the program")
        (d / "both.rebate").write_text(both)
        run(["check", str(d / "both.rebate")], 1, err_has=["error[E0603]", "this test already gives `sales` from a file", "given here first"])
        run(["test", str(d / "both.rebate")], 1, out_has=["does not compile"])

        # 9c. Coverage. Every example and the stdlib's tests reach every item of their programs.
        r = run(["test", "--coverage", "--min-coverage", "100", "examples", "stdlib"], 0, cwd=root)
        cov_lines = re.findall(r"^coverage: (\S+): (\d+) of (\d+) items reached \(([\d.]+)%\)$", r.stdout, re.M)
        expect(len(cov_lines) == len(counts) + 1 and all(c[1] == c[2] and c[3] == "100.0" for c in cov_lines),
               f"coverage of the examples and stdlib: {cov_lines}")
        expect("not reached" not in r.stdout, "an example has an item no test reaches")
        expect(re.match(r"^\d+ passed, \d+ failed", r.stdout.strip().splitlines()[-1]) is not None, "the summary is not the last line with --coverage")

        # One test of example 04 (P5, platinum, 700,000 + 300,000 USD in 2026-Q3): its expectation checks
        # P5 in 2026-Q3 only. Reached: the rebate (worked out), the cap (60,000.00 > 50,000) and the 6% band
        # (1,000,000 >= 500,000); not reached: the 2% and 4% bands, and `eligible when` (it held, and no
        # test of the run has it fail). 3 of 6 items: 50.0%.
        src_lines = src.splitlines()
        def line_of(text):
            return next(i + 1 for i, l in enumerate(src_lines) if text in l)
        ex04 = "examples/04-storage-volume-tiers/program.rebate"
        r = run(["test", "--coverage", "examples/04-storage-volume-tiers", "--filter", "capped"], 0, cwd=root,
                out_has=[f"coverage: {ex04}: 3 of 6 items reached (50.0%)",
                         f"not reached: {ex04}:{line_of('from 0 USD       to 100_000 USD')}:5: `from 0 USD to 100_000 USD: 2%` (tier table `storage_tiers`): no test reaches it",
                         f"not reached: {ex04}:{line_of('from 100_000 USD to 500_000 USD')}:5:",
                         f"not reached: {ex04}:{line_of('eligible when partner.tier >= silver')}:5: `eligible when partner.tier >= silver` (rebate `storage_volume`): held 1, failed 0: no test where it fails"])
        expect(r.stdout.count("not reached") == 3, f"example 04, one test: {r.stdout.count('not reached')} items not reached, expected 3")
        # --min-coverage: exactly at the threshold passes; above it fails (exit 1), naming the program.
        run(["test", "--min-coverage", "50", "examples/04-storage-volume-tiers", "--filter", "capped"], 0, cwd=root)
        run(["test", "--min-coverage", "50.1", "examples/04-storage-volume-tiers", "--filter", "capped"], 1, cwd=root,
            out_has=[f"coverage of {ex04} is 50.0%, below --min-coverage 50.1%"])
        # Two tests: the bronze partner (not eligible) and the capped one: `eligible when` both ways now,
        # 4 of 6 (66.6%, rounded down).
        run(["test", "--coverage", "examples/04-storage-volume-tiers", "--filter", "ca"], 0, cwd=root,
            out_has=[f"coverage: {ex04}: 3 of 6 items reached"])  # "capped" only: "ca" is in no other title
        titles04 = test_titles(examples / "04-storage-volume-tiers" / "program.rebate")
        expect(sum("ca" in t for t in titles04) == 1, f"--filter ca matches {[t for t in titles04 if 'ca' in t]}")
        (d / "two.rebate").write_text(src)
        two = run(["test", "--coverage", "--format", "json", str(d / "two.rebate"), "--filter", "measured"], 0)
        try:
            doc = json.loads(two.stdout)
            kept_titles = [t["name"] for t in doc["programs"][0]["tests"]]
            c = doc["coverage"]["programs"][0]
            items = {(i["kind"], i["line"]): i for i in c["items"]}
            elig = items[("eligible when", line_of("eligible when partner.tier >= silver"))]
            cap = items[("cap", line_of("cap quarterly_cap"))]
            whole = items[("rebate", line_of("rebate storage_volume"))]
            # --filter measured keeps "each quarter is measured on its own lines" (P9, gold: Q2 400,000 x 4%
            # = 16,000.00 and Q3 150,000 x 4% = 6,000.00, both checked): the eligible clause held twice and
            # never failed; the cap (50,000) was evaluated twice and lowered nothing; the rebate was worked
            # out twice; the 4% band was reached twice, the others never. Reached: the rebate and the 4%
            # band, 2 of 6 = 33.3%.
            expect(kept_titles == ["each quarter is measured on its own lines"], f"--filter measured kept {kept_titles}")
            expect((elig["held"], elig["failed"], elig["reached"]) == (2, 0, False), f"eligible counts {elig}")
            expect((cap["count"], cap["reached"]) == (0, False) and "never lowered a payout" in cap["detail"], f"cap counts {cap}")
            expect((whole["count"], whole["reached"]) == (2, True), f"rebate counts {whole}")
            bands = sorted((i["line"], i["count"]) for i in c["items"] if i["kind"] == "tier band")
            expect([b[1] for b in bands] == [0, 2, 0], f"band counts {bands}")
            expect((c["reached"], c["items_total"], c["percent"]) == (2, 6, 33.3), f"coverage totals {c['reached']}/{c['items_total']} {c['percent']}")
        except (ValueError, KeyError, IndexError, StopIteration) as ex:
            failures.append(f"json coverage: {ex!r}\n{two.stdout[-1500:]}")

        # Decision rows: example 12's first test matches rows 1, 3, 4, 6 and 7, not 2 and 5.
        ex12 = (examples / "12-segmented-rates" / "program.rebate").read_text().splitlines()
        r = run(["test", "--coverage", "examples/12-segmented-rates", "--filter", "each segment"], 0, cwd=root,
                out_has=["6 of 8 items reached (75.0%)",
                         f"program.rebate:{next(i + 1 for i, l in enumerate(ex12) if 'emea, gold' in l)}:5: `emea, gold => 3%` (decision table `segment_rate`): no test matches it",
                         f"program.rebate:{next(i + 1 for i, l in enumerate(ex12) if 'amer, silver' in l)}:5: `amer, silver => 2.5%`"])
        expect(r.stdout.count("not reached") == 2, "example 12's first test: two decision rows not reached")
        # Award rows: example 14's newcomer test decides `newcomer` with both rows and `next_level` (N1) with
        # the bronze row only: 3 of 6 award rows.
        r = run(["test", "--coverage", "examples/14-status-awards", "--filter", "newcomer"], 0, cwd=root,
                out_has=["3 of 6 items reached (50.0%)", "(award `next_level`): no test decides the award with it"])
        expect(r.stdout.count("(award `next_level`)") == 3 and "(award `newcomer`)" not in r.stdout, f"award rows: {r.stdout}")

        # JSON and LCOV files; the LCOV read by Debian's lcov: 3 of 6 lines, 1 of 1 function, 1 of 2 branches.
        run(["test", "--coverage-format", "json", "--coverage-out", str(d / "cov.json"), "examples/04-storage-volume-tiers",
             "--filter", "capped"], 0, cwd=root)
        try:
            cj = json.loads((d / "cov.json").read_text())
            expect((cj["reached"], cj["items_total"]) == (3, 6), f"cov.json totals {cj['reached']}/{cj['items_total']}")
        except (ValueError, KeyError, OSError) as ex:
            failures.append(f"cov.json: {ex!r}")
        run(["test", "--coverage-format", "lcov", "--coverage-out", str(d / "cov.info"), "examples/04-storage-volume-tiers",
             "--filter", "capped"], 0, cwd=root)
        expect(shutil.which("lcov") is not None and shutil.which("genhtml") is not None, "lcov is missing: install Debian's lcov")
        if shutil.which("lcov"):
            v = subprocess.run(["lcov", "--rc", "lcov_branch_coverage=1", "--summary", str(d / "cov.info")], capture_output=True, text=True)
            summary = v.stdout + v.stderr
            expect(v.returncode == 0 and "50.0% (3 of 6 lines)" in summary and "100.0% (1 of 1 function)" in summary
                   and "50.0% (1 of 2 branches)" in summary, f"lcov --summary of the tracefile: {summary}")
            run(["test", "--coverage-format", "lcov", "--coverage-out", str(d / "all.info"), "examples", "stdlib"], 0, cwd=root)
            g = subprocess.run(["genhtml", "--branch-coverage", "-q", "-o", str(d / "html"), str(d / "all.info")], capture_output=True,
                               text=True, cwd=root)
            expect(g.returncode == 0 and (d / "html" / "index.html").exists(), f"genhtml on the examples' tracefile: {g.stderr[-800:]}")
        # Usage: a json or lcov report needs a file; --coverage-out needs json or lcov; a bad percentage; a
        # report onto the program it tests is refused and the program left as it was.
        run(["test", "--coverage-format", "lcov", "examples/04-storage-volume-tiers"], 2, cwd=root, err_has=["--coverage-out"])
        run(["test", "--coverage-out", str(d / "x.info"), "examples/04-storage-volume-tiers"], 2, cwd=root, err_has=["--coverage-format"])
        run(["test", "--min-coverage", "101", "examples/04-storage-volume-tiers"], 2, cwd=root, err_has=["0 to 100"])
        before = (d / "two.rebate").read_bytes()
        run(["test", "--coverage-format", "json", "--coverage-out", str(d / "two.rebate"), str(d / "two.rebate")], 2, err_has=["two.rebate"])
        expect((d / "two.rebate").read_bytes() == before, "the coverage report was written over the program")

        # 10. Usage and I/O: exit 2.
        run(["test", str(d / "no-such-dir")], 2, err_has=["does not exist"])
        run(["test", "examples/", "--format", "yaml"], 2, cwd=root)
        if "jit" not in built:
            run(["test", "examples/", "--engine", "jit"], 2, cwd=root, err_has=["this build has no engine `jit`; its engines are vm (or all)"])
        run(["test", "examples/", "--engine", "fast"], 2, cwd=root, err_has=["this build has no engine `fast`"])

        # 11. docs/ci.md: the commands its workflow runs, run in a copy of examples/ as the repository.
        repo = d / "repo"
        shutil.copytree(examples, repo)
        ci = (root / "docs" / "ci.md").read_text()
        env = dict(os.environ, PATH=f"{pathlib.Path(rebate).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        blocks = re.findall(r"```yaml\n(.*?)```", ci, re.S)
        precommit = [b for b in blocks if b.startswith("repos:")]
        blocks = [b for b in blocks if not b.startswith("repos:")]
        expect(len(blocks) >= 2, f"docs/ci.md has {len(blocks)} yaml blocks; expected GitHub Actions and GitLab CI")
        expect(len(precommit) == 1, "docs/ci.md has no pre-commit configuration")
        expect(any("--format sarif" in b for b in blocks) and all("--coverage --min-coverage" in b for b in blocks),
               "docs/ci.md's recipes should upload SARIF and hold the tests to a coverage")
        for block in blocks:
            # GitHub Actions steps (`run: ...`) and GitLab script lines (`- ...`) that run rebate check or test.
            commands = []
            for m in re.finditer(r"^\s*(?:- )?(?:run: )?(.*)$", block, re.M):
                c = m.group(1).strip()
                if re.search(r"\brebate (check|test)\b", c) and "scripts/build.sh" not in c:
                    commands.append(c)
            expect(any("rebate check" in c and "--strict" in c for c in commands) and any("rebate test" in c for c in commands),
                   f"a docs/ci.md recipe runs {commands}; expected `rebate check --strict` and `rebate test`")
            for c in commands:
                for old_report in repo.glob("*.xml"):
                    old_report.unlink()
                p = subprocess.run(["bash", "-euo", "pipefail", "-c", c], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
                expect(p.returncode == 0, f"docs/ci.md: `{c}` exits {p.returncode}\n  stdout: {p.stdout[-800:]}\n  stderr: {p.stderr[-800:]}")
                for report in repo.glob("*.sarif"):
                    try:
                        log = json.loads(report.read_text())
                        expect(log["version"] == "2.1.0" and log["runs"][0]["results"] == [],
                               f"docs/ci.md's {report.name}: the examples should have no diagnostic")
                    except (ValueError, KeyError, IndexError) as ex:
                        failures.append(f"docs/ci.md's {report.name} is not a SARIF log: {ex!r}")
                    report.unlink()
                for report in repo.glob("*.xml"):
                    expect(report.stat().st_size > 0, f"docs/ci.md: `{c}` wrote an empty {report.name}")
                    if shutil.which("xmllint"):
                        v = subprocess.run(["xmllint", "--noout", "--schema", str(xsd), str(report)], capture_output=True, text=True)
                        expect(v.returncode == 0, f"docs/ci.md's report {report.name} does not validate: {v.stderr[:800]}")

        # The pre-commit configuration, run by the real pre-commit (Debian's) in a git repository.
        expect(shutil.which("pre-commit") is not None, "pre-commit is missing: install Debian's pre-commit")
        if precommit and shutil.which("pre-commit") and shutil.which("git"):
            pc = d / "pc"
            shutil.copytree(examples, pc)
            (pc / ".pre-commit-config.yaml").write_text(precommit[0])
            genv = dict(env, PRE_COMMIT_HOME=str(d / "pc-home"), GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t",
                        GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
            for git in (["init", "-q"], ["add", "-A"]):
                subprocess.run(["git"] + git, cwd=pc, env=genv, check=True, capture_output=True)
            p = subprocess.run(["pre-commit", "run", "--all-files"], cwd=pc, env=genv, capture_output=True, text=True, timeout=600)
            expect(p.returncode == 0 and "rebate check" in p.stdout and "Passed" in p.stdout,
                   f"pre-commit on the examples exits {p.returncode}\n{p.stdout[-1500:]}\n{p.stderr[-500:]}")
            # A program out of layout and one with a warning fail their hooks.
            prog = pc / "04-storage-volume-tiers" / "program.rebate"
            prog.write_text(prog.read_text().replace("    cap quarterly_cap\n", "        cap quarterly_cap\n") +
                            "\nmeasure never_used = sales.sum(amount)\n")
            subprocess.run(["git", "add", "-A"], cwd=pc, env=genv, check=True, capture_output=True)
            p = subprocess.run(["pre-commit", "run", "--all-files"], cwd=pc, env=genv, capture_output=True, text=True, timeout=600)
            expect(p.returncode == 1 and re.search(r"rebate fmt\.+Failed", p.stdout) and re.search(r"rebate check\.+Failed", p.stdout)
                   and "never_used" in p.stdout, f"pre-commit on a broken program:\n{p.stdout[-1500:]}")

    for f in failures:
        print("FAIL:", f)
    print(f"test_runner: {passed} checks passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""`rebate check --format sarif`: the log validates against the SARIF 2.1.0 schema (the OASIS schema as
published in npm's @microsoft/jest-sarif) and passes Microsoft's SARIF validator (npm's
@microsoft/sarif-multitool, `validate`), and says what `--format json` says: the same diagnostics, codes,
levels, regions, notes and fixes, with a rule per diagnostic code that links to its section of
docs/diagnostics.md and carries the docs' fix.

    sarif_test.py --rebate PATH --root REPO

Installs the two npm packages with `npm ci` into tests/sarif/node_modules (once per package-lock.json).
"""
import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent


def npm_ci() -> None:
    stamp = HERE / "node_modules" / ".rebate-npm-ci-stamp"
    lock = (HERE / "package-lock.json").read_bytes()
    if stamp.exists() and stamp.read_bytes() == lock:
        return
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"], cwd=HERE, check=True,
                   stdout=subprocess.DEVNULL)
    stamp.write_bytes(lock)


def github_anchor(heading: str) -> str:
    out = ""
    for c in heading.lower():
        if c.isalnum() or c in "-_":
            out += c
        elif c == " ":
            out += "-"
    return out


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

    npm_ci()
    try:
        import jsonschema  # noqa: PLC0415 (the system's python3-jsonschema or pip's)
    except ImportError:
        print("FAIL: python's jsonschema is missing (Debian: python3-jsonschema)")
        return 1
    schema_path = HERE / "node_modules" / "@microsoft" / "jest-sarif" / "lib" / "schemas" / "sarif-2.1.0-rtm.5.json"
    schema = json.loads(schema_path.read_text())
    multitool = HERE / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"

    # Every golden file of tests/check: many diagnostics, with notes, help lines and fixes.
    files = sorted(str(p.relative_to(root)) for p in (root / "tests" / "check").rglob("*.rebate"))
    expect(len(files) > 50, f"only {len(files)} golden files")
    sarif_run = subprocess.run([rebate, "check", "--format", "sarif"] + files, cwd=root, capture_output=True, text=True)
    json_run = subprocess.run([rebate, "check", "--format", "json"] + files, cwd=root, capture_output=True, text=True)
    expect(sarif_run.returncode == 1 and json_run.returncode == 1, f"exit codes {sarif_run.returncode}, {json_run.returncode}; expected 1")
    log = json.loads(sarif_run.stdout)
    listed = json.loads(json_run.stdout)

    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        clean = subprocess.run([rebate, "check", "--format", "sarif", "examples/04-storage-volume-tiers/program.rebate"], cwd=root,
                               capture_output=True, text=True)
        expect(clean.returncode == 0, f"a clean program exits {clean.returncode}")
        clean_log = json.loads(clean.stdout)
        expect(clean_log["runs"][0]["results"] == [], "a clean program has results")
        for name, doc in (("golden", log), ("clean", clean_log)):
            # 1. The schema.
            try:
                jsonschema.validate(doc, schema)
                passed += 1
            except jsonschema.ValidationError as e:
                failures.append(f"{name}: not valid against the SARIF 2.1.0 schema: {e.message} at {list(e.absolute_path)}")
            # 2. Microsoft's validator: no error and no warning.
            (d / f"{name}.sarif").write_text(json.dumps(doc))
            v = subprocess.run([str(multitool), "validate", str(d / f"{name}.sarif"), "-o", str(d / f"{name}.validation.sarif")],
                               capture_output=True, text=True, env=dict(os.environ, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT="1"),
                               timeout=300)
            problems = [l for l in v.stdout.splitlines() if re.search(r": (error|warning) ", l)]
            expect(v.returncode == 0 and not problems, f"{name}: the SARIF validator says (exit {v.returncode}):\n" + "\n".join(problems[:20]) + v.stderr[-500:])

    # 3. The rules: every diagnostic code, in order, each linking to its docs section and carrying its fix.
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    codes = re.findall(r'^(?:DIAGNOSTIC|LINT)\(\w+,\s*"([EW]\d{4})"', (root / "compiler" / "diagnostics" / "diagnostic_kinds.def").read_text(), re.M)
    expect([r["id"] for r in rules] == codes, "the rules are not the diagnostic codes in order")
    docs = (root / "docs" / "diagnostics.md").read_text()
    headings = {m.group(1): github_anchor(m.group(0)[4:]) for m in re.finditer(r"^### ([EW]\d{4})[: ].*$", docs, re.M)}
    fixes = {m.group(1): m.group(2).strip() for m in re.finditer(r"^### ([EW]\d{4})[: ][^\n]*\n(?:(?!^### ).*\n)*?\*\*Fix\.\*\* (.*)$", docs, re.M)}
    for r in rules:
        anchor = r["helpUri"].split("#")[-1]
        expect(anchor == headings.get(r["id"]), f"rule {r['id']}: helpUri #{anchor}, the docs' heading anchor is #{headings.get(r['id'])}")
        expect(r["helpUri"].startswith(("file://", "http://", "https://")), f"rule {r['id']}: helpUri {r['helpUri']} is not absolute")
        expect(r.get("help", {}).get("text") == fixes.get(r["id"]), f"rule {r['id']}: help {r.get('help')} is not the docs' fix")
        expect(r["defaultConfiguration"]["level"] == ("warning" if r["id"].startswith("W") else "error"), f"rule {r['id']} level")

    # 4. The results say what --format json says.
    results = run["results"]
    expect(len(results) == len(listed) and len(results) > 100, f"{len(results)} SARIF results, {len(listed)} JSON diagnostics")
    for res, diag in zip(results, listed):
        where = f"{diag.get('file')}:{diag.get('start', {}).get('line')} {diag['code']}"
        expect(res["ruleId"] == diag["code"] and rules[res["ruleIndex"]]["id"] == res["ruleId"], f"{where}: rule {res['ruleId']}")
        expect(res["level"] == diag["severity"], f"{where}: level {res['level']}, severity {diag['severity']}")
        expect(res["message"]["text"].startswith(diag["message"]), f"{where}: message {res['message']['text']!r}")
        if diag.get("help"):
            expect(("help: " + diag["help"]) in res["message"]["text"], f"{where}: the help line is not in the message")
        if "start" in diag:
            loc = res["locations"][0]["physicalLocation"]
            region = loc["region"]
            expect(loc["artifactLocation"]["uri"] == diag["file"] and loc["artifactLocation"].get("uriBaseId") == "%SRCROOT%",
                   f"{where}: artifact {loc['artifactLocation']}")
            expect((region["startLine"], region["startColumn"], region["endLine"], region["endColumn"]) ==
                   (diag["start"]["line"], diag["start"]["column"], diag["end"]["line"], diag["end"]["column"]), f"{where}: region {region}")
        expect(len(res.get("relatedLocations", [])) == len([n for n in diag["notes"] if "start" in n]), f"{where}: related locations")
    expect(run["columnKind"] == "unicodeCodePoints", "columnKind")

    # 5. Fixes: an exact edit, as the language server's quick fix (`100` -> `100 USD`), applied to the file.
    fixed = [r for r in results if r.get("fixes")]
    expect(len(fixed) >= 5, f"{len(fixed)} results with fixes")
    for r in fixed[:20]:
        change = r["fixes"][0]["artifactChanges"][0]
        rep = change["replacements"][0]
        region = rep["deletedRegion"]
        lines = (root / change["artifactLocation"]["uri"]).read_text().split("\n")
        line = lines[region["startLine"] - 1]
        if region["startLine"] == region["endLine"]:
            after = line[:region["startColumn"] - 1] + rep["insertedContent"]["text"] + line[region["endColumn"] - 1:]
            expect(rep["insertedContent"]["text"] in after and after != line, f"fix {r['fixes'][0]['description']['text']}: {line!r} -> {after!r}")

    for f in failures:
        print("FAIL:", f)
    print(f"sarif: {passed} checks passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

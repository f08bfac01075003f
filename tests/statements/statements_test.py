#!/usr/bin/env python3
"""HTML statements (`rebate run --statements DIR --statement-format html`), checked as a reader meets them.

1. Every example writes one HTML page for each Markdown statement (the same partners and periods), and
   the award-only example writes pages too.
2. The pages say what was worked out by hand (example 04's expected.md): amounts, the named cap, the
   progress bar's share, the partner's name, the chart's periods.
3. A partner id that is HTML (`<script>...`) is shown as text, never as markup.
4. Every page is rendered by Debian's Chromium (headless, through puppeteer-core from npm) to PNG and to
   PDF, with no script error, console error, failed or outside request (render.mjs).

Installs its npm package with `npm ci` into tests/statements/node_modules (once per package-lock.json).
"""
import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
EXAMPLES = HERE.parents[1] / "examples"


def npm_ci() -> None:
    stamp = HERE / "node_modules" / ".rebate-npm-ci-stamp"
    lock = (HERE / "package-lock.json").read_bytes()
    if stamp.exists() and stamp.read_bytes() == lock:
        return
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"], cwd=HERE, check=True, stdout=subprocess.DEVNULL)
    stamp.write_bytes(lock)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    args = ap.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("FAIL no chromium on PATH (scripts/install-deps.sh installs Debian's)")
        return 1
    npm_ci()
    failures = []

    def check(ok, what):
        if not ok:
            failures.append(what)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        pages = []
        for example in sorted(p for p in EXAMPLES.iterdir() if (p / "run.args").exists()):
            argv = [args.rebate, "run", "program.rebate"] + (example / "run.args").read_text().split() + ["--out", "/dev/null"]
            md, html = tmp / example.name / "md", tmp / example.name / "html"
            for out, fmt in ((md, "md"), (html, "html")):
                r = subprocess.run(argv + ["--statements", str(out), "--statement-format", fmt], cwd=example, capture_output=True, text=True)
                check(r.returncode == 0, f"{example.name} --statement-format {fmt}: exit {r.returncode}: {r.stderr}")
            md_names = sorted(p.stem for p in md.glob("*.md"))
            html_names = sorted(p.stem for p in html.glob("*.html"))
            check(md_names == html_names and md_names, f"{example.name}: HTML pages {html_names[:5]}... differ from the Markdown ones {md_names[:5]}...")
            pages += sorted(html.glob("*.html"))

        # --- what the pages say, worked out by hand -----------------------------------------------------
        ex04 = tmp / "04-storage-volume-tiers" / "html"
        # P5 2026-Q3: 1,000,000 of storage at 6% = 60,000, over quarterly_cap: 50,000.00 paid.
        p5 = (ex04 / "P5-2026-Q3.html").read_text()
        check("50,000.00 USD" in p5 and "cap quarterly_cap (50,000.00 USD) applied (was 60,000.00 USD)" in p5, "04 P5 2026-Q3: the capped amount")
        # P1 2026-Q2: 45,000 of storage in the 2% band; the 4% band starts at 100,000: 45% of the way,
        # 55,000 to go. The partner table's name is Summit Data Systems.
        p1 = (ex04 / "P1-2026-Q2.html").read_text()
        check('style="width: 45.0%"' in p1, "04 P1 2026-Q2: the progress bar at 45%")
        check("55,000.00 USD more storage revenue reaches 4%" in p1, "04 P1 2026-Q2: the distance to the next band")
        check("Summit Data Systems (P1)" in p1, "04 P1: the partner's name")
        check("900.00 USD" in p1, "04 P1 2026-Q2: 2% of 45,000 = 900.00")
        # P1 2026-Q4: the chart has the four quarters so far, one bar each; Q3's bar is 35,880.00.
        q4 = (ex04 / "P1-2026-Q4.html").read_text()
        check(len(re.findall(r"<rect ", q4)) == 4 and "2026-Q3: 35,880.00 USD" in q4, "04 P1 2026-Q4: the chart's four quarters")
        # The award-only example: a page per partner and period, with its awards.
        n1 = (tmp / "14-status-awards" / "html" / "N3-2026-Q3.html").read_text()
        check("bronze" in n1 and "100,000.00 USD more revenue reaches silver" in n1, "14 N3 2026-Q3: the award and the next level")

        # --- --detail: the lines listed under each rebate, as many as it says --------------------------------
        detail = tmp / "detail"
        example = EXAMPLES / "11-solution-selling"
        r = subprocess.run([args.rebate, "run", "program.rebate"] + (example / "run.args").read_text().split() +
                           ["--out", "/dev/null", "--statements", str(detail), "--statement-format", "html", "--detail"],
                           cwd=example, capture_output=True, text=True)
        check(r.returncode == 0, f"11 --detail: exit {r.returncode}: {r.stderr}")
        detailed = sorted(detail.glob("*.html"))
        listed = 0
        for page in detailed:
            text = page.read_text()
            for said, items in re.findall(r"Based on (\d+) invoice lines?(?::\n<ul class=\"lines\">\n((?:<li><code>.*</code></li>\n)*)</ul>)?", text):
                n = items.count("<li><code>")
                listed += n
                check(n == int(said), f"{page.name}: says {said} lines, lists {n}")
        check(listed > 0, "11 --detail: no line listed on any page")
        pages += detailed

        # --- a partner id that is markup is text ----------------------------------------------------------
        hostile = tmp / "hostile"
        hostile.mkdir()
        (hostile / "p.rebate").write_text(
            'program "H" { currency: USD  period: quarter }\n'
            "ledger sales { date: Date as date  partner: Text as partner  amount: Money }\n"
            "measure revenue = sales.sum(amount)\nrebate r \"R\" { pay 1% of revenue }\n")
        (hostile / "sales.csv").write_text('date,partner,amount\n2026-07-01,"<script>alert(""x"")</script>&",100\n')
        r = subprocess.run([args.rebate, "run", "p.rebate", "--input", "sales=sales.csv", "--out", "/dev/null", "--statements", "out",
                            "--statement-format", "html"], cwd=hostile, capture_output=True, text=True)
        check(r.returncode == 0, f"hostile id: exit {r.returncode}: {r.stderr}")
        written = list((hostile / "out").glob("*.html"))
        check(len(written) == 1, f"hostile id: {written}")
        if written:
            text = written[0].read_text()
            check("<script" not in text and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in text, "hostile id: escaped")
            pages += written

        # --- a real browser ---------------------------------------------------------------------------------
        shots = tmp / "png"
        shots.mkdir()
        r = subprocess.run(["node", str(HERE / "render.mjs"), chromium, str(shots)] + [str(p) for p in pages], capture_output=True, text=True,
                           timeout=900)
        print(r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr)
        check(r.returncode == 0, f"Chromium:\n{r.stdout}{r.stderr}")
        check(len(list(shots.glob("*.png"))) > 0, "no screenshot written")

    for f in failures:
        print(f"FAIL {f}")
    print(f"{len(pages)} HTML statements; {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

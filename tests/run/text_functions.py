#!/usr/bin/env python3
"""The text functions (docs/language.md §4, "Text functions") through the real CLI, on one engine:
`starts_with`, `ends_with`, `contains`, `length` (tests/sql/programs/text_functions.rebate) and `upper`,
`lower` (tests/sql/programs/text_case.rebate) in line filters, `count_distinct` and `eligible when`, on
UTF-8 data with `é`, `ß`, `ü` and CJK; a text made per line counted distinct on 1 to 4 threads; a Text
metric made from a partner attribute (a text made while cells are evaluated, written to CSV and JSON);
measures of text, of a flag and of a date in explanations (the text quoted, not its internal id); and the
checker's E0321 for a text function of a value that is not text.

Every expected amount is worked out by hand in the comments.

Usage: text_functions.py --rebate build/bin/rebate --root . [--engine vm]
"""
import csv
import io
import json
import pathlib
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import cli_checks  # noqa: E402  (tests/cli_checks.py: the checks and runs the CLI tests share)

# The ledger (tests/sql/programs/text_sales.csv), all in 2026-Q3:
#   1 P1 LIC-100     "support renewal" 1,000     5 P2 LIC-東京  "東京 support"   4,000
#   2 P1 LIC-200-EU  (no note)         2,000     6 P2 SVC-1     "straße"         700
#   3 P1 HW-EU       "Café"              500     7 P3 HW-1%     "100% support"    50
#   4 P1 lic-100     "café"              300     8 P3 HW_1      "STRASSE"         80
# Partners: P1 "Müller GmbH", P2 "東京 Trading", P3 "straße AG".
#
# text_functions.rebate:
#   licence_rebate, 10% of lines whose sku starts with "LIC-" (case matters: line 4 does not):
#     P1 lines 1, 2: 3,000 -> 300.00; P2 line 5: 4,000 -> 400.00; P3 none -> 0.00.
#   eu_rebate, 1% of skus ending "-EU": P1 lines 2, 3: 2,500 -> 25.00; P2, P3 0.00.
#   support_bonus, 5 USD per line whose note contains "support" (no note: ""): P1 line 1, P2 line 5, P3
#     line 7: one each -> 5.00.
#   short_bonus, 1 USD per sku of at most 6 characters: P1 "HW-EU" (5) -> 1.00; P2 "LIC-東京" (6 code
#     points, 10 bytes) and "SVC-1" (5) -> 2.00; P3 "HW-1%" (5), "HW_1" (4) -> 2.00.
#   noteless_bonus, 2 USD per line with no note (length("") = 0): P1 line 2 -> 2.00; P2, P3 0.00.
#   odd_rebate, 10% of skus containing "%" or starting "HW_" (no patterns: "HW-EU" and "HW-1%" do not
#     start with "HW_"): P3 lines 7 (50, for its "%") and 8 (80): 130 -> 13.00; P1, P2 0.00.
#   tokyo, 1% of the licences when the partner's name contains "東京": P2 only, 1% x 4,000 -> 40.00.
FUNCTIONS = {
    "P1": {"licence_rebate": "300.00", "eu_rebate": "25.00", "support_bonus": "5.00", "short_bonus": "1.00",
           "noteless_bonus": "2.00", "odd_rebate": "0.00", "tokyo": "0.00"},
    "P2": {"licence_rebate": "400.00", "eu_rebate": "0.00", "support_bonus": "5.00", "short_bonus": "2.00",
           "noteless_bonus": "0.00", "odd_rebate": "0.00", "tokyo": "40.00"},
    "P3": {"licence_rebate": "0.00", "eu_rebate": "0.00", "support_bonus": "5.00", "short_bonus": "2.00",
           "noteless_bonus": "0.00", "odd_rebate": "13.00", "tokyo": "0.00"},
}
# text_case.rebate (simple case mapping):
#   cafe_rebate, 10% of lines whose note in capitals is "CAFÉ": P1 lines 3 ("Café") and 4 ("café"): 800
#     -> 80.00; nobody else.
#   strasse_bonus, 7 USD per note whose capitals are "STRAßE": P2 line 6 ("straße" -> "STRAßE") -> 7.00;
#     P3's "STRASSE" is another text (ß stays ß) -> 0.00.
#   licence_rebate, 1% of skus starting "lic-" in small letters: P1 lines 1, 2, 4: 3,300 -> 33.00; P2
#     line 5 ("lic-東京"): 4,000 -> 40.00; P3 0.00.
#   sku_bonus, 3 USD per distinct sku in small letters: P1 lic-100 (twice), lic-200-eu, hw-eu: 3 -> 9.00;
#     P2 lic-東京, svc-1: 2 -> 6.00; P3 hw-1%, hw_1: 2 -> 6.00.
#   shouting, 1 USD when upper(name) is "STRASSE AG" or lower(name) is "müller gmbh": P1 only ("Müller
#     GmbH" -> "müller gmbh") -> 1.00; P3's name in capitals is "STRAßE AG" -> 0.00.
CASE = {
    "P1": {"cafe_rebate": "80.00", "strasse_bonus": "0.00", "licence_rebate": "33.00", "sku_bonus": "9.00", "shouting": "1.00"},
    "P2": {"cafe_rebate": "0.00", "strasse_bonus": "7.00", "licence_rebate": "40.00", "sku_bonus": "6.00", "shouting": "0.00"},
    "P3": {"cafe_rebate": "0.00", "strasse_bonus": "0.00", "licence_rebate": "0.00", "sku_bonus": "6.00", "shouting": "0.00"},
}

# A Text metric made while the cells are evaluated: the partner's name in capitals, and its length.
METRICS = """
program "Text metrics" { currency: USD  period: quarter }
partner table partners { id: Text as key  name: Text }
ledger sales { date: Date as date  partner_id: Text as partner  sku: Text  note: Text?  amount: Money }
metric shout: Text = upper(partner.name)
metric quiet: Text = lower(partner.name)
metric name_length: Int = length(partner.name)
"""
# "Müller GmbH" 11 characters (12 bytes), "東京 Trading" 10 (14 bytes), "straße AG" 9 (10 bytes).
METRICS_EXPECTED = {
    ("P1", "shout"): "MÜLLER GMBH", ("P1", "quiet"): "müller gmbh", ("P1", "name_length"): "11",
    ("P2", "shout"): "東京 TRADING", ("P2", "quiet"): "東京 trading", ("P2", "name_length"): "10",
    ("P3", "shout"): "STRAßE AG", ("P3", "quiet"): "straße ag", ("P3", "name_length"): "9",
}

# Measures that are not numbers, as `rebate explain` shows them: a text quoted (made by `upper`, and a
# partner attribute as it is), a flag, a date.
EXPLAINED = """
program "Text in explanations" { currency: USD  period: quarter }
partner table partners { id: Text as key  name: Text }
ledger sales { date: Date as date  partner_id: Text as partner  sku: Text  note: Text?  amount: Money }
measure shout = upper(partner.name)
measure name = partner.name
measure noted = sales.count(where length(note otherwise "") > 0) > 0
measure last_sale = sales.max(date) otherwise 2026-01-01
measure revenue = sales.sum(amount)
rebate loud { require shout != "" and name != "" and noted and last_sale >= 2026-07-01  pay 1% of revenue }
"""
# P1's lines 1 to 4: notes on lines 1, 3, 4 (noted: true), last on 2026-07-04; P2's "東京 Trading" in
# capitals is "東京 TRADING" (CJK has no case); P3's "straße AG" is "STRAßE AG" (ß stays ß).
EXPLAINED_LINES = {
    "P1": ['shout = "MÜLLER GMBH" (upper(partner.name))', 'name = "Müller GmbH" (partner.name)',
           "noted = true (", "last_sale = 2026-07-04 ("],
    "P2": ['shout = "東京 TRADING" (upper(partner.name))', 'name = "東京 Trading" (partner.name)'],
    "P3": ['shout = "STRAßE AG" (upper(partner.name))'],
}

# E0321: a text function of a value that is not text; E0308: the wrong number of texts.
NOT_TEXT = """
program "Not text" { currency: USD  period: quarter }
enum Tier { bronze, silver }
partner table partners { id: Text as key  tier: Tier }
ledger sales { date: Date as date  partner_id: Text as partner  sku: Text  amount: Money }
measure a = sales.count(where starts_with(amount, "1"))
measure b = sales.count(where length(sku, "x") > 1)
rebate r { eligible when contains(partner.tier, "gold")  pay 1% of sales_total }
measure sales_total = sales.sum(amount)
rebate s { eligible when upper(partner) == "P1"  pay 1 USD }
"""


def main() -> int:
    checks, args = cli_checks.CliChecks.from_command_line(root=True)
    check, run = checks.check, checks.run
    programs = pathlib.Path(args.root).resolve() / "tests" / "sql" / "programs"
    inputs = ["--input", "partners=text_partners.csv", "--input", "sales=text_sales.csv", "--period", "2026-Q3"]

    def payouts(program, extra=()):
        r = run(["run", str(programs / program)] + inputs + list(extra) + ["--format", "csv"], cwd=programs)
        return {(row["partner"], row["rebate"]): row["amount"] for row in csv.DictReader(io.StringIO(r.stdout))}

    for program, expected in [("text_functions.rebate", FUNCTIONS), ("text_case.rebate", CASE)]:
        for threads in ["1", "2", "4"]:
            got = payouts(program, ["--threads", threads])
            for partner, amounts in expected.items():
                for rebate, amount in amounts.items():
                    check(got.get((partner, rebate)) == amount,
                          f"{program} --threads {threads}: {partner} {rebate}: {got.get((partner, rebate))}, expected {amount}")
            want = sum(len(a) for a in expected.values())
            check(len(got) == want, f"{program} --threads {threads}: {len(got)} payouts, expected {want}")

    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        (d / "metrics.rebate").write_text(METRICS, encoding="utf-8")
        r = run(["run", str(d / "metrics.rebate")] + inputs + ["--metrics", str(d / "metrics.csv")], cwd=programs)
        rows = list(csv.DictReader(io.StringIO((d / "metrics.csv").read_text(encoding="utf-8")))) if (d / "metrics.csv").exists() else []
        got = {(row["partner"], row["metric"]): row["value"] for row in rows}
        check(got == METRICS_EXPECTED, f"metrics CSV: {got}")
        r = run(["run", str(d / "metrics.rebate")] + inputs + ["--format", "json"], cwd=programs)
        try:
            got = {(m["partner"], m["metric"]): m["value"] for m in json.loads(r.stdout)["metrics"]}
        except (ValueError, KeyError) as e:
            got = {"error": str(e)}
        check(got == METRICS_EXPECTED, f"metrics JSON: {got}")

        (d / "explained.rebate").write_text(EXPLAINED, encoding="utf-8")
        for partner, lines in EXPLAINED_LINES.items():
            r = run(["explain", str(d / "explained.rebate")] + inputs + ["--partner", partner], cwd=programs)
            for line in lines:
                check(line in r.stdout, f"explain {partner}: no `{line}` in:\n{r.stdout}")

        (d / "not_text.rebate").write_text(NOT_TEXT, encoding="utf-8")
        r = subprocess_check(args.rebate, d / "not_text.rebate")
        check(r.returncode == 1, f"not_text: exit {r.returncode}, expected 1")
        for needle in ["error[E0321]: `starts_with` takes text, and `amount` is Money",
                       "error[E0308]: `length` takes one text",
                       "error[E0321]: `contains` takes text, and `partner.tier` is Tier",
                       "help: an enum's members are names, not text",
                       "error[E0321]: `upper` takes text, and `partner` is row of partners",
                       "help: the partner's id is text: `upper(partner.id)`"]:
            check(needle in r.stderr, f"not_text: no `{needle}` in:\n{r.stderr}")
    return checks.report("text_functions")


def subprocess_check(rebate, path):
    import subprocess
    return subprocess.run([rebate, "check", str(path)], capture_output=True, text=True, timeout=60)


if __name__ == "__main__":
    sys.exit(main())

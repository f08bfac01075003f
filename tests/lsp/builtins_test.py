#!/usr/bin/env python3
"""`rebate lsp` on the language's own words: the text functions, `convert` with its `to:`/`at:`
arguments and days, funds (`fund`, `accrue`, `pay claims from`, `expire after`, `claims ledger`), `as key` and lookups
across ledgers. Completion offers them (with their doc), signature help shows their parameters, and
hover shows their doc.

Positions are found in DOC by the text around them (`at("...", k)`: the k-th character of the first
occurrence of the snippet), which is ASCII, so columns in UTF-16 are character counts.
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lsp_client import LspClient  # noqa: E402

DOC = """program "Builtins" {
    currency: EUR
    period: quarter
    effective: 2026-01-01 .. 2026-12-31
}

fx table rates {
    base: Currency as base
    quote: Currency as quote
    day: Date as date
    rate: Decimal(6) as rate
}

ledger activations {
    subscription_id: Text as key
    dealer: Text as partner
    activated_on: Date as date
    plan: Text
}

ledger churns {
    subscription: activations as partner
    churned_on: Date as date
    amount: Money(USD)
}

claims ledger coop_claims {
    claim_id: Text as claim
    partner_id: Text as partner
    claimed_on: Date as date
    amount: Money as amount
}

measure refunds = churns.sum(convert(amount, to: EUR, at: line_date) where starts_with(upper(subscription.plan), "PRE"))

fund coop "Co-op fund" {
    accrue 2% of refunds
    pay claims from coop_claims
    expire after 4 quarters
}
"""


def at(snippet, k=0):
    """The position of the k-th character of the first occurrence of `snippet` in DOC."""
    offset = DOC.index(snippet) + k
    line = DOC.count("\n", 0, offset)
    return {"line": line, "character": offset - (DOC.rfind("\n", 0, offset) + 1)}


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="rebate-lsp-builtins-")
    path = os.path.join(tmp, "builtins.rebate")
    with open(path, "w") as f:
        f.write(DOC)
    uri = "file://" + path
    c = LspClient(args.rebate)
    c.initialize("file://" + tmp)
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "rebate", "version": 1, "text": DOC}})
    diags = c.diagnostics(uri)
    check(diags == [], f"the document is clean: {diags}")

    def items(position):
        return c.call("textDocument/completion", {"textDocument": {"uri": uri}, "position": position})["result"]["items"]

    def hover(position):
        h = c.call("textDocument/hover", {"textDocument": {"uri": uri}, "position": position})["result"]
        return h["contents"]["value"] if h else ""

    def signature(position):
        return c.call("textDocument/signatureHelp", {"textDocument": {"uri": uri}, "position": position})["result"]

    # --- completion ---------------------------------------------------------------------------------------
    everywhere = {i["label"]: i for i in items(at("    accrue", 4))}
    for word in ("starts_with", "ends_with", "contains", "upper", "lower", "length", "convert", "fund", "claims ledger",
                 "accrue", "pay claims from", "expire after"):
        check(word in everywhere and everywhere[word].get("documentation"), f"`{word}` offered with its doc")
    check(everywhere["convert"]["detail"] == "convert(amount, to: CODE, at: line_date | period_end | period_average)",
          everywhere["convert"])
    days = [i["label"] for i in items(at("at: line_date", 4))]
    check(days == ["line_date", "period_end", "period_average"], f"the days after `at:` {days}")
    roles = [i["label"] for i in items(at("as key", 3))]
    check("key" in roles and "partner" in roles and "claim" in roles and len(roles) == 11, f"the roles after `as` {roles}")
    looked_up = [i["label"] for i in items(at("subscription.plan", len("subscription.")))]
    check(looked_up == ["subscription_id", "dealer", "activated_on", "plan"], f"the looked-up ledger's columns {looked_up}")
    aggregates = [i["label"] for i in items(at("churns.sum", len("churns.")))]
    check(aggregates == ["sum", "count", "count_distinct", "min", "max", "avg"], f"aggregates still after a ledger's dot {aggregates}")

    # --- signature help -----------------------------------------------------------------------------------
    sig = signature(at("amount, to: EUR", 0))
    check(sig["signatures"][0]["label"] == "convert(amount, to: CODE, at: line_date | period_end | period_average)"
          and sig["activeParameter"] == 0, f"convert {sig}")
    check(signature(at("to: EUR", 4))["activeParameter"] == 1, "convert's `to:`")
    check(signature(at("at: line_date", 4))["activeParameter"] == 2, "convert's `at:`")
    sig = signature(at('"PRE"', 0))
    check(sig["signatures"][0]["label"] == "starts_with(text, prefix)" and sig["activeParameter"] == 1, f"starts_with {sig}")
    sig = signature(at("subscription.plan), ", 0))
    check(sig["signatures"][0]["label"] == "upper(text)", f"upper {sig}")

    # --- hover ----------------------------------------------------------------------------------------------
    check("starts_with(text, prefix)" in hover(at("starts_with", 3)), "hover on starts_with")
    check("convert(amount, to: CODE" in hover(at("convert(", 2)), "hover on convert")
    check("daily rates" in hover(at("at: line_date", 6)) or "line's `as date`" in hover(at("at: line_date", 6)), "hover on line_date")
    check("co-op" in hover(at('fund coop "', 1)), "hover on fund")
    check("accrual" in hover(at("accrue 2%", 2)), "hover on accrue")
    check("pay claims from" in hover(at("pay claims from", 5)), "hover on claims in `pay claims from`")
    check("pay claims from" in hover(at("pay claims from", 1)), "hover on pay in `pay claims from`")
    check("expire after" in hover(at("expire after", 1)), "hover on `expire` in `expire after`")
    check("expire after" in hover(at("expire after", 8)), "hover on `after` in `expire after`")
    check("claims ledger" in hover(at("claims ledger coop", 9)), "hover on ledger in `claims ledger`")
    check("each line once" in hover(at("as key", 4)), "hover on `key` of `as key`")
    # A name of the program keeps its own hover.
    check("(measure) refunds" in hover(at("accrue 2% of refunds", len("accrue 2% of r"))), "hover on a measure")

    c.close()
    print("lsp builtins: ok")


if __name__ == "__main__":
    main()

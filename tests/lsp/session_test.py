#!/usr/bin/env python3
"""End-to-end test of `rebate lsp`: a scripted editor session over pipes.

Every expected position below is worked out by hand from MAIN and SHARED (zero-based lines, UTF-16
columns); the comments show the counting.
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lsp_client import LspClient  # noqa: E402

MAIN = """import "std/partners"
import "shared"

program "Session test" {
    currency: USD
    period: quarter
}

/// Invoice lines of the ERP.
ledger sales {
    invoice_date: Date as date
    partner_id: Text as partner
    family: Text
    amount: Money
}

partner table partners {
    id: Text as key
    tier: PartnerTier
}

/// Net EV revenue of the quarter.
measure revenue = sales.sum(amount where family == "EV")

tiers volume retroactive {
    from 0 USD to threshold: 10%
    from threshold: 25%
}

rebate ev "EV rebate" {
    eligible when partner.tier >= silver
    pay volume of revenue
}
"""
# line 22: `measure revenue = sales.sum(amount where family == "EV")`
#          "measure " 0-8, revenue 8-15, "= " 16-18, sales 18-23, "." 23, sum 24-27, "(" 27, amount 28-34,
#          where 35-40, family 41-47, "==" 48-50, "\"EV\"" 51-55, ")" 55
# line 25: `    from 0 USD to threshold: 10%`    threshold 18-27
# line 26: `    from threshold: 25%`             threshold 9-18
# line 30: `    eligible when partner.tier >= silver`   partner 18-25, "." 25, tier 26-30, silver 34-40
# line 31: `    pay volume of revenue`           volume 8-14, revenue 18-25

SHARED = """/// Where the top band starts.
const threshold = 1_000 USD
"""
# line 1: `const threshold = 1_000 USD`   threshold 6-15


MESSY = 'const a = 1\n\nmeasure m = sales.sum( amount )\n\n\n\nconst t = "É🚗"   +  "x"'  # no line break at the end
MESSY_FORMATTED = """const a = 1

measure m = sales.sum(amount)

const t = "É🚗" + "x"
"""


def apply_edits(text, edits):
    """The text after LSP edits (positions in UTF-16 code units), applied from the last to the first."""
    lines = text.split("\n")

    def offset(p):
        before = sum(len(l) + 1 for l in lines[:p["line"]])
        line = lines[p["line"]] if p["line"] < len(lines) else ""
        units, chars = 0, 0
        while chars < len(line) and units < p["character"]:
            units += 2 if ord(line[chars]) > 0xFFFF else 1
            chars += 1
        return before + chars

    for e in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]), reverse=True):
        text = text[:offset(e["range"]["start"])] + e["newText"] + text[offset(e["range"]["end"]):]
        lines = text.split("\n")
    return text


def semantic_tokens(c, uri, legend):
    """textDocument/semanticTokens/full, decoded from the relative encoding: {(line, start): (length, type, modifiers)}."""
    data = c.call("textDocument/semanticTokens/full", {"textDocument": {"uri": uri}})["result"]["data"]
    tokens, line, start = {}, 0, 0
    for i in range(0, len(data), 5):
        dl, ds, length, ty, mods = data[i:i + 5]
        line, start = line + dl, (start + ds if dl == 0 else ds)
        names = [m for b, m in enumerate(legend["tokenModifiers"]) if mods & (1 << b)]
        tokens[(line, start)] = (length, legend["tokenTypes"][ty], names)
    return tokens


def rng(l1, c1, l2, c2):
    return {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}}


def pos(line, character):
    return {"line": line, "character": character}


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def codes(diags):
    return sorted((d["code"], d["range"]["start"]["line"], d["range"]["start"]["character"],
                   d["range"]["end"]["line"], d["range"]["end"]["character"], d["severity"]) for d in diags)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="rebate-lsp-")
    main_path = os.path.join(tmp, "main.rebate")
    shared_path = os.path.join(tmp, "shared.rebate")  # never written to disk: only the open buffer exists
    with open(main_path, "w") as f:
        f.write(MAIN)
    main_uri = "file://" + main_path
    shared_uri = "file://" + shared_path

    c = LspClient(args.rebate)
    caps = c.initialize("file://" + tmp)["capabilities"]
    check(caps["textDocumentSync"]["change"] == 2, "incremental sync")
    for cap in ("hoverProvider", "definitionProvider", "referencesProvider", "documentSymbolProvider",
                "workspaceSymbolProvider", "foldingRangeProvider"):
        check(caps.get(cap) is True, cap)
    check(caps["renameProvider"] == {"prepareProvider": True}, "rename")
    check(caps["completionProvider"]["triggerCharacters"] == [".", "("], "completion triggers")
    check(caps["codeActionProvider"]["codeActionKinds"] == ["quickfix"], "code actions")
    # Nothing announced that is not implemented.
    check(caps["signatureHelpProvider"]["triggerCharacters"] == ["(", ","], "signature help")
    legend = caps["semanticTokensProvider"]["legend"]
    check(caps["semanticTokensProvider"]["full"] is True, "semantic tokens")
    check(caps["documentFormattingProvider"] is True, "formatting")

    # --- open: the import of `shared` is read from the open buffer (there is no file on disk) ----------
    c.notify("textDocument/didOpen", {"textDocument": {"uri": shared_uri, "languageId": "rebate", "version": 1, "text": SHARED}})
    check(c.diagnostics(shared_uri) == [], "shared.rebate is clean")
    c.notify("textDocument/didOpen", {"textDocument": {"uri": main_uri, "languageId": "rebate", "version": 1, "text": MAIN}})
    check(c.diagnostics(main_uri) == [], "main.rebate is clean")

    # --- hover --------------------------------------------------------------------------------------------
    h = c.call("textDocument/hover", {"textDocument": {"uri": main_uri}, "position": pos(31, 20)})["result"]
    check(h["range"] == rng(31, 18, 31, 25), f"hover range {h}")
    value = h["contents"]["value"]
    check("(measure) revenue: Money(USD)" in value, value)
    check("Net EV revenue of the quarter." in value, value)
    check('measure revenue = sales.sum(amount where family == "EV")' in value, value)
    h = c.call("textDocument/hover", {"textDocument": {"uri": main_uri}, "position": pos(25, 18)})["result"]
    value = h["contents"]["value"]
    check("(constant) threshold: Money(USD)" in value and "const threshold = 1_000 USD" in value
          and "Where the top band starts." in value, value)
    h = c.call("textDocument/hover", {"textDocument": {"uri": main_uri}, "position": pos(31, 10)})["result"]
    value = h["contents"]["value"]
    check("(tier table) volume: retroactive tiers" in value and "from 0 USD to threshold: 10%" in value
          and "from threshold: 25%" in value, value)
    h = c.call("textDocument/hover", {"textDocument": {"uri": main_uri}, "position": pos(30, 36)})["result"]
    value = h["contents"]["value"]
    check("(enum member) silver: PartnerTier" in value and "std/partners.rebate" in value, value)
    # A literal: its type with its unit.
    h = c.call("textDocument/hover", {"textDocument": {"uri": main_uri}, "position": pos(26, 21)})["result"]
    check(h["range"] == rng(26, 20, 26, 23) and "25%: Percent" in h["contents"]["value"], h)

    # --- definition and references ----------------------------------------------------------------------
    d = c.call("textDocument/definition", {"textDocument": {"uri": main_uri}, "position": pos(25, 20)})["result"]
    check(d == {"uri": shared_uri, "range": rng(1, 6, 1, 15)}, f"definition {d}")
    d = c.call("textDocument/definition", {"textDocument": {"uri": main_uri}, "position": pos(22, 30)})["result"]
    check(d == {"uri": main_uri, "range": rng(13, 4, 13, 10)}, f"column definition {d}")
    refs = c.call("textDocument/references", {"textDocument": {"uri": main_uri}, "position": pos(31, 18),
                                              "context": {"includeDeclaration": True}})["result"]
    check(sorted((r["uri"], r["range"]["start"]["line"], r["range"]["start"]["character"]) for r in refs)
          == [(main_uri, 22, 8), (main_uri, 31, 18)], f"references {refs}")
    refs = c.call("textDocument/references", {"textDocument": {"uri": shared_uri}, "position": pos(1, 8),
                                              "context": {"includeDeclaration": False}})["result"]
    check(sorted((r["uri"], r["range"]["start"]["line"], r["range"]["start"]["character"], r["range"]["end"]["character"]) for r in refs)
          == [(main_uri, 25, 18, 27), (main_uri, 26, 9, 18)], f"references across files {refs}")

    # --- completion -------------------------------------------------------------------------------------
    def labels(position):
        r = c.call("textDocument/completion", {"textDocument": {"uri": main_uri}, "position": position})["result"]
        return [i["label"] for i in r["items"]]
    check(labels(pos(22, 24)) == ["sum", "count", "count_distinct", "min", "max", "avg"], "aggregates after `sales.`")
    inside = labels(pos(22, 28))
    check(inside[:5] == ["invoice_date", "partner_id", "family", "amount", "where"], f"columns inside sales.sum( {inside[:6]}")
    check(labels(pos(30, 26)) == ["id", "tier"], "partner attributes after `partner.`")
    everywhere = labels(pos(31, 4))
    for expected in ("revenue", "volume", "threshold", "sales", "silver", "rebate", "tiers", "measure"):
        check(expected in everywhere, f"`{expected}` offered: {everywhere}")

    # --- signature help: inside `sales.sum(` before and after `where` ---------------------------------------
    sig = c.call("textDocument/signatureHelp", {"textDocument": {"uri": main_uri}, "position": pos(22, 30)})["result"]
    check(sig["signatures"][0]["label"] == "sum(value where condition)" and sig["activeParameter"] == 0, f"signature {sig}")
    sig = c.call("textDocument/signatureHelp", {"textDocument": {"uri": main_uri}, "position": pos(22, 44)})["result"]
    check(sig["activeParameter"] == 1, f"after where {sig}")
    sig = c.call("textDocument/signatureHelp", {"textDocument": {"uri": main_uri}, "position": pos(31, 10)})["result"]
    check(sig is None, f"no call around {sig}")

    # --- outline, workspace symbols, folding -------------------------------------------------------------
    syms = c.call("textDocument/documentSymbol", {"textDocument": {"uri": main_uri}})["result"]
    check([s["name"] for s in syms] == ["Session test", "sales", "partners", "revenue", "volume", "ev"], f"outline {syms}")
    check([s["kind"] for s in syms] == [2, 23, 23, 12, 18, 6], "outline kinds")
    check([ch["name"] for ch in syms[1]["children"]] == ["invoice_date", "partner_id", "family", "amount"], "ledger columns")
    check(syms[3]["range"] == rng(21, 0, 22, 56) or syms[3]["selectionRange"] == rng(22, 8, 22, 15), f"measure ranges {syms[3]}")
    check(syms[3]["selectionRange"] == rng(22, 8, 22, 15), f"measure selection {syms[3]}")
    ws = c.call("workspace/symbol", {"query": "thresh"})["result"]
    check([(s["name"], s["location"]["uri"]) for s in ws] == [("threshold", shared_uri)], f"workspace symbols {ws}")
    folds = c.call("textDocument/foldingRange", {"textDocument": {"uri": main_uri}})["result"]
    check({(f["startLine"], f["endLine"]) for f in folds} >= {(3, 6), (9, 14), (16, 19), (24, 27), (29, 32)}, f"folds {folds}")

    # --- semantic tokens: decoded from the relative encoding, then compared at known places ---------------
    tokens = semantic_tokens(c, main_uri, legend)
    expected = {
        (0, 0): (6, "keyword", []),                    # import
        (0, 7): (14, "string", []),                    # "std/partners"
        (21, 0): (34, "comment", ["documentation"]),  # /// Net EV revenue of the quarter.
        (22, 0): (7, "keyword", []),                   # measure
        (22, 8): (7, "function", ["declaration"]),    # revenue
        (22, 18): (5, "struct", []),                   # sales
        (22, 24): (3, "method", []),                   # sum
        (22, 28): (6, "property", []),                 # amount
        (22, 35): (5, "keyword", []),                  # where
        (22, 51): (4, "string", []),                   # "EV"
        (25, 9): (1, "number", []),                    # 0
        (25, 11): (3, "type", []),                     # USD
        (25, 18): (9, "variable", []),                 # threshold (a constant)
        (30, 34): (6, "enumMember", ["defaultLibrary"]),  # silver, from std/partners
    }
    for at, want in expected.items():
        check(tokens.get(at) == want, f"semantic token at {at}: {tokens.get(at)}, expected {want}")

    # --- an incremental edit: a typo; the fix is a quick fix ---------------------------------------------
    c.notify("textDocument/didChange", {"textDocument": {"uri": main_uri, "version": 2},
                                        "contentChanges": [{"range": rng(31, 18, 31, 25), "text": "revenu"}]})
    diags = c.diagnostics(main_uri, lambda ds: len(ds) > 0)
    # Only the error: lints wait for a program without errors (an unchecked use would look unused).
    check(codes(diags) == [("E0201", 31, 18, 31, 24, 1)], f"typo diagnostics {codes(diags)}")
    e0201 = [d for d in diags if d["code"] == "E0201"][0]
    check("did you mean `revenue`?" in e0201["message"], e0201)
    check(e0201["codeDescription"]["href"].endswith("docs/diagnostics.md#e0201-a-name-that-is-not-defined"), e0201)
    actions = c.call("textDocument/codeAction", {"textDocument": {"uri": main_uri}, "range": rng(31, 20, 31, 20),
                                                 "context": {"diagnostics": []}})["result"]
    check(len(actions) == 1 and actions[0]["title"] == "change to `revenue`" and actions[0]["kind"] == "quickfix", f"actions {actions}")
    check(actions[0]["edit"]["changes"] == {main_uri: [{"range": rng(31, 18, 31, 24), "newText": "revenue"}]}, actions[0])
    # The editor applies the edit.
    c.notify("textDocument/didChange", {"textDocument": {"uri": main_uri, "version": 3},
                                        "contentChanges": [{"range": rng(31, 18, 31, 24), "text": "revenue"}]})
    check(c.diagnostics(main_uri) == [], "clean again after the quick fix")

    # --- UTF-16 columns: text with a two-byte and a four-byte character, then `+ 100` ---------------------
    # Two changes in one notification, the second at positions after the first: "EV" (51-55 with quotes)
    # becomes "É🚗" (É one unit, 🚗 two), so `)` is at 56 and ` + 100` goes at 57; `100` is 60-63.
    c.notify("textDocument/didChange", {"textDocument": {"uri": main_uri, "version": 4}, "contentChanges": [
        {"range": rng(22, 52, 22, 54), "text": "É🚗"},
        {"range": rng(22, 57, 22, 57), "text": " + 100"}]})
    diags = c.diagnostics(main_uri, lambda ds: len(ds) > 0)
    check(codes(diags) == [("E0302", 22, 18, 22, 63, 1)], f"money plus number {codes(diags)}")
    check(diags[0]["codeDescription"]["href"].endswith("#e0302-a-plain-number-added-to-or-compared-with-money"), diags[0])
    actions = c.call("textDocument/codeAction", {"textDocument": {"uri": main_uri}, "range": rng(22, 61, 22, 61),
                                                 "context": {"diagnostics": []}})["result"]
    check(len(actions) == 1 and actions[0]["title"] == "write `100 USD`"
          and actions[0]["edit"]["changes"][main_uri] == [{"range": rng(22, 60, 22, 63), "newText": "100 USD"}], f"actions {actions}")
    c.notify("textDocument/didChange", {"textDocument": {"uri": main_uri, "version": 5},
                                        "contentChanges": [{"range": rng(22, 60, 22, 63), "text": "100 USD"}]})
    check(c.diagnostics(main_uri) == [], "clean after writing `100 USD`")
    h = c.call("textDocument/hover", {"textDocument": {"uri": main_uri}, "position": pos(22, 62)})["result"]
    check(h["range"] == rng(22, 60, 22, 67) and "100 USD: Money(USD)" in h["contents"]["value"], f"hover after emoji {h}")

    # --- a lint is a warning: an unused measure inserted as a new line 23 ------------------------------------
    c.notify("textDocument/didChange", {"textDocument": {"uri": main_uri, "version": 6},
                                        "contentChanges": [{"range": rng(23, 0, 23, 0), "text": "measure spare = sales.count()\n"}]})
    diags = c.diagnostics(main_uri, lambda ds: len(ds) > 0)
    check(codes(diags) == [("W0001", 23, 8, 23, 13, 2)], f"unused measure {codes(diags)}")
    check(diags[0]["codeDescription"]["href"].endswith("#w0001-unused-measure-a-measure-no-rebate-award-or-budget-uses"), diags[0])
    # A lint can be silenced where it is: the action inserts an allow comment above the line, and the
    # warning goes; removing the comment brings it back.
    actions = c.call("textDocument/codeAction", {"textDocument": {"uri": main_uri}, "range": rng(23, 10, 23, 10),
                                                 "context": {"diagnostics": []}})["result"]
    allow = [x for x in actions if "allow" in x["title"]]
    check(len(allow) == 1 and allow[0]["title"] == "silence `unused-measure` here (// rebate: allow)"
          and allow[0]["edit"]["changes"][main_uri] == [{"range": rng(23, 0, 23, 0), "newText": "// rebate: allow(unused-measure)\n"}],
          f"allow action {actions}")
    c.notify("textDocument/didChange", {"textDocument": {"uri": main_uri, "version": 7},
                                        "contentChanges": [{"range": rng(23, 0, 23, 0), "text": "// rebate: allow(unused-measure)\n"}]})
    check(c.diagnostics(main_uri) == [], "the allow comment silences the unused measure")
    c.notify("textDocument/didChange", {"textDocument": {"uri": main_uri, "version": 8},
                                        "contentChanges": [{"range": rng(23, 0, 25, 0), "text": ""}]})
    check(c.diagnostics(main_uri) == [], "clean without the spare measure")

    # --- a gap between tier bands: the quick fix starts the band where the one before ends ----------------
    # `from threshold: 25%` (line 26, threshold 9-18) becomes `from 2_000 USD: 25%` (2_000 USD 9-18): values
    # from threshold (1,000 USD) up to 2,000 USD reach no band.
    c.notify("textDocument/didChange", {"textDocument": {"uri": main_uri, "version": 9},
                                        "contentChanges": [{"range": rng(26, 9, 26, 18), "text": "2_000 USD"}]})
    diags = c.diagnostics(main_uri, lambda ds: len(ds) > 0)
    check(codes(diags) == [("E0401", 26, 9, 26, 18, 1)], f"tier gap {codes(diags)}")
    actions = c.call("textDocument/codeAction", {"textDocument": {"uri": main_uri}, "range": rng(26, 12, 26, 12),
                                                 "context": {"diagnostics": []}})["result"]
    check(len(actions) == 1 and actions[0]["title"] == "start this band at `threshold`"
          and actions[0]["edit"]["changes"][main_uri] == [{"range": rng(26, 9, 26, 18), "newText": "threshold"}], f"gap actions {actions}")
    # `500 USD` (9-16) overlaps the band below (0 to threshold); the same fix.
    c.notify("textDocument/didChange", {"textDocument": {"uri": main_uri, "version": 10},
                                        "contentChanges": [{"range": rng(26, 9, 26, 18), "text": "500 USD"}]})
    diags = c.diagnostics(main_uri, lambda ds: len(ds) > 0)
    check(codes(diags) == [("E0402", 26, 9, 26, 16, 1)], f"tier overlap {codes(diags)}")
    actions = c.call("textDocument/codeAction", {"textDocument": {"uri": main_uri}, "range": rng(26, 9, 26, 16),
                                                 "context": {"diagnostics": []}})["result"]
    check(len(actions) == 1 and actions[0]["edit"]["changes"][main_uri] == [{"range": rng(26, 9, 26, 16), "newText": "threshold"}],
          f"overlap actions {actions}")
    c.notify("textDocument/didChange", {"textDocument": {"uri": main_uri, "version": 11},
                                        "contentChanges": [{"range": rng(26, 9, 26, 16), "text": "threshold"}]})
    check(c.diagnostics(main_uri) == [], "clean after the band fix")

    # --- an edit to an imported buffer re-checks the program that imports it ----------------------------
    c.notify("textDocument/didChange", {"textDocument": {"uri": shared_uri, "version": 2},
                                        "contentChanges": [{"range": rng(1, 6, 1, 15), "text": "top_band"}]})
    check(c.diagnostics(shared_uri) == [], "shared still clean")
    diags = c.diagnostics(main_uri, lambda ds: len(ds) > 0)
    check(codes(diags) == [("E0201", 25, 18, 25, 27, 1), ("E0201", 26, 9, 26, 18, 1)], f"importer re-checked {codes(diags)}")
    c.notify("textDocument/didChange", {"textDocument": {"uri": shared_uri, "version": 3},
                                        "contentChanges": [{"range": rng(1, 6, 1, 14), "text": "threshold"}]})
    check(c.diagnostics(main_uri) == [], "importer clean again")

    # --- rename ---------------------------------------------------------------------------------------------
    r = c.call("textDocument/rename", {"textDocument": {"uri": main_uri}, "position": pos(26, 10), "newName": "top_band"})["result"]
    check(r["changes"] == {shared_uri: [{"range": rng(1, 6, 1, 15), "newText": "top_band"}],
                           main_uri: [{"range": rng(25, 18, 25, 27), "newText": "top_band"},
                                      {"range": rng(26, 9, 26, 18), "newText": "top_band"}]}, f"rename {r}")
    r = c.call("textDocument/prepareRename", {"textDocument": {"uri": main_uri}, "position": pos(22, 10)})["result"]
    check(r == {"range": rng(22, 8, 22, 15), "placeholder": "revenue"}, f"prepareRename {r}")
    r = c.call("textDocument/rename", {"textDocument": {"uri": main_uri}, "position": pos(30, 36), "newName": "argent"})
    check(r["error"]["code"] == -32803 and "standard library" in r["error"]["message"], f"stdlib rename refused {r}")
    r = c.call("textDocument/rename", {"textDocument": {"uri": main_uri}, "position": pos(22, 10), "newName": "rebate"})
    check(r["error"]["code"] == -32602, f"a keyword is not a name {r}")

    # --- closing the imported buffer: the importer reads the disk, where there is no shared.rebate ------
    c.notify("textDocument/didClose", {"textDocument": {"uri": shared_uri}})
    check(c.diagnostics(shared_uri) == [], "diagnostics of a closed file are cleared")
    diags = c.diagnostics(main_uri, lambda ds: len(ds) > 0)
    # The import (line 1, `import "shared"`, 0-15) and the two uses of the constant it defined.
    check(codes(diags) == [("E0201", 25, 18, 25, 27, 1), ("E0201", 26, 9, 26, 18, 1), ("E0204", 1, 0, 1, 15, 1)],
          f"missing import reported at the import {codes(diags)}")

    # --- the file deleted while open: the buffer is the document ------------------------------------------
    os.remove(main_path)
    c.notify("textDocument/didSave", {"textDocument": {"uri": main_uri}})
    h = c.call("textDocument/hover", {"textDocument": {"uri": main_uri}, "position": pos(31, 20)})["result"]
    check("(measure) revenue" in h["contents"]["value"], "hover still works on a deleted file's buffer")

    # --- formatting: the changed lines only, as edits; none for a formatted text; an error for a broken one --
    messy_uri = "file://" + os.path.join(tmp, "messy.rebate")
    c.notify("textDocument/didOpen", {"textDocument": {"uri": messy_uri, "languageId": "rebate", "version": 1, "text": MESSY}})
    c.diagnostics(messy_uri)
    edits = c.call("textDocument/formatting", {"textDocument": {"uri": messy_uri},
                                               "options": {"tabSize": 2, "insertSpaces": True}})["result"]
    check(apply_edits(MESSY, edits) == MESSY_FORMATTED, f"formatting edits {edits}")
    check(all(e["range"]["start"]["line"] >= 2 for e in edits), f"the first two lines are left alone {edits}")
    # The last line has no line break: its edit ends at its end, counted in UTF-16 (É one unit, 🚗 two).
    check(edits[-1]["range"]["end"] == pos(6, 24), f"end of the document {edits[-1]}")
    c.notify("textDocument/didChange", {"textDocument": {"uri": messy_uri, "version": 2},
                                        "contentChanges": [{"text": MESSY_FORMATTED}]})
    edits = c.call("textDocument/formatting", {"textDocument": {"uri": messy_uri}, "options": {"tabSize": 4, "insertSpaces": True}})
    check(edits["result"] == [], f"nothing to change in a formatted text {edits}")
    c.notify("textDocument/didChange", {"textDocument": {"uri": messy_uri, "version": 3},
                                        "contentChanges": [{"range": rng(0, 11, 0, 11), "text": " +"}]})
    r = c.call("textDocument/formatting", {"textDocument": {"uri": messy_uri}, "options": {"tabSize": 4, "insertSpaces": True}})
    check(r.get("error", {}).get("code") == -32803 and "syntax errors" in r["error"]["message"]
          and "found `measure`" in r["error"]["message"], f"a document with syntax errors is not formatted {r}")
    # Plain comments are tokens of the lexer now (for the formatter), but not semantic tokens: the editor's
    # grammar colours them; a doc comment is one, with the documentation modifier.
    c.notify("textDocument/didChange", {"textDocument": {"uri": messy_uri, "version": 4},
                                        "contentChanges": [{"text": "// plain\nconst a = 1 /* block */\n/// doc\nconst b = 2\n"}]})
    tokens = semantic_tokens(c, messy_uri, legend)
    check((0, 0) not in tokens and (1, 12) not in tokens and tokens.get((2, 0)) == (7, "comment", ["documentation"])
          and tokens.get((1, 0)) == (5, "keyword", []), f"semantic tokens around comments {tokens}")
    c.notify("textDocument/didClose", {"textDocument": {"uri": messy_uri}})

    # --- shutdown and exit -----------------------------------------------------------------------------------
    check(c.call("shutdown", None)["result"] is None, "shutdown")
    c.notify("exit", None)
    code = c.proc.wait(timeout=20)
    check(code == 0, f"exit after shutdown is 0, got {code}")

    # --- debounced while typing: five quick edits, one re-check (the default 100 ms debounce) -------------
    c = LspClient(args.rebate, args=())
    c.initialize()
    c.notify("textDocument/didOpen", {"textDocument": {"uri": main_uri, "languageId": "rebate", "version": 1, "text": MAIN}})
    c.diagnostics(main_uri)  # without shared.rebate: the import is missing
    burst = b"".join(c.frame({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": main_uri, "version": v},
        "contentChanges": [{"range": rng(31, 25, 31, 25), "text": "x"}]}}) for v in range(2, 7))
    c.raw(burst)
    published = c.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics", what="diagnostics after the burst")
    check(published["params"]["version"] == 6, f"one check, of the last version: {published['params']['version']}")
    check(c.call("shutdown", None)["result"] is None, "shutdown")
    check(not any(m.get("method") == "textDocument/publishDiagnostics" for m in c.pending), f"no other publication {c.pending}")
    c.notify("exit", None)
    check(c.proc.wait(timeout=20) == 0, "exit")
    print("lsp session: ok")


if __name__ == "__main__":
    main()

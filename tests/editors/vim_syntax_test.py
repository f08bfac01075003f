#!/usr/bin/env python3
"""The Vim syntax file gives every token the same class as the TextMate grammar, in Vim and in Neovim.

The TextMate grammar's snapshots (editors/vscode/test/**/*.snap, reviewed, and checked against the
grammar by `npm test`) list every token of every example and of test/tricky.rebate with its scopes. This
test opens each of those files in the real editor (headless), asks synID() for the group of every byte,
and checks each token against the group its most specific scope maps to (SCOPE_TO_GROUP below). Tokens that
are only punctuation are not compared; whitespace is not compared.

Usage: vim_syntax_test.py --root REPO --editor vim|nvim [--show N]
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

# TextMate scope (without `.rebate`) -> the Vim groups that stand for it. The longest matching prefix wins.
SCOPE_TO_GROUP = {
    "comment.line.double-slash": {"rebateComment"},
    "comment.line.documentation": {"rebateDocComment"},
    "comment.block": {"rebateBlockComment"},
    "string.quoted.double": {"rebateString"},
    "constant.character.escape": {"rebateEscape"},
    "invalid.illegal.unterminated-string": {"rebateUnterminatedString"},
    "invalid.illegal.single-quoted-string": {"rebateSingleQuoted"},
    "invalid.illegal.operator": {"rebateForeignOperator"},
    "invalid.illegal.character": {"rebateUnexpectedChar"},
    "keyword.control.import": {"rebateInclude"},
    "storage.type": {"rebateDeclaration"},
    "storage.modifier.partner": {"rebatePartnerModifier"},
    "storage.modifier.payments": {"rebatePartnerModifier"},
    "storage.modifier.claims": {"rebatePartnerModifier"},
    "storage.modifier.tier-mode": {"rebateTierMode", "rebateTiersMode"},
    "entity.name.type.table": {"rebateTypeDef"},
    "entity.name.type.ledger": {"rebateTypeDef"},
    "entity.name.type.calendar": {"rebateTypeDef"},
    "entity.name.type.enum": {"rebateEnumName"},
    "entity.name.type.group": {"rebateGroupName"},
    "entity.name.type": {"rebateType"},
    "entity.name.constant": {"rebateConstantDef"},
    "entity.name.function.tiers": {"rebateTiersName"},
    "entity.name.function.call": {"rebateCall"},
    "entity.name.function": {"rebateDefinition"},
    "variable.other.enummember": {"rebateEnumMember"},
    "variable.other.property": {"rebateProperty", "rebateGroupField"},
    "variable.other.member": {"rebateMember"},
    "variable.language": {"rebateLanguageVar"},
    "keyword.other.clause": {"rebateClause"},
    "keyword.other.test": {"rebateTestKeyword"},
    "keyword.other.band": {"rebateBand"},
    "keyword.other.unit.currency": {"rebateCurrencyUnit"},
    "keyword.other.unit.duration": {"rebateDurationUnit"},
    "keyword.other": {"rebateKeyword"},
    "keyword.control.conditional": {"rebateConditional"},
    "keyword.operator.logical": {"rebateLogical"},
    "keyword.operator.word": {"rebateOperatorWord"},
    "keyword.operator.comparison.word": {"rebateCompareWord"},
    "keyword.operator": {"rebateOperator"},
    "constant.language.boolean": {"rebateBoolean"},
    "constant.language.wildcard": {"rebateWildcard"},
    "constant.numeric.integer": {"rebateInteger"},
    "constant.numeric.decimal": {"rebateDecimal"},
    "constant.numeric.percent": {"rebatePercent"},
    "constant.numeric.date": {"rebateDate"},
    "constant.numeric.period": {"rebatePeriod"},
    "support.constant.currency": {"rebateCurrency"},
    "support.constant.rounding-mode": {"rebateRoundingMode"},
    "support.constant.grain": {"rebateGrain"},
    "support.constant.role": {"rebateRole"},
    "support.constant.convert-day": {"rebateConvertDay"},
    "support.type.primitive": {"rebateBuiltinType"},
    "support.function.aggregate": {"rebateAggregate"},
    "support.function.builtin": {"rebateBuiltinFunction"},
}
NO_GROUP = {"-"}


def expected_groups(scopes):
    """The Vim groups a token with these scopes may have; None when it is not compared."""
    names = [s[: -len(".rebate")] if s.endswith(".rebate") else s for s in scopes if s != "source.rebate"]
    kept = [s for s in names if not s.startswith("punctuation.")]
    if not kept:
        return None if names else NO_GROUP
    scope = kept[-1]
    best = max((p for p in SCOPE_TO_GROUP if scope == p or scope.startswith(p + ".")), key=len, default=None)
    if best is None:
        raise SystemExit(f"vim_syntax_test: no Vim group for the scope {scope}: add it to SCOPE_TO_GROUP")
    return SCOPE_TO_GROUP[best]


def read_snapshot(path):
    """[(line index, start, end, scopes)] in code points, from a vscode-tmgrammar-snap file."""
    tokens, lines = [], []
    for raw in open(path, encoding="utf-8").read().split("\n"):
        if raw.startswith(">"):
            lines.append(raw[1:])
        elif raw.startswith("#") and lines:
            m = re.match(r"#(\s*)(\^+)\s+(.*)$", raw)
            if m:
                start = len(m.group(1))
                tokens.append((len(lines) - 1, start, start + len(m.group(2)), m.group(3).split()))
    return lines, tokens


def editor_groups(editor, root, source):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "groups.txt")
        env = dict(os.environ, REBATE_SYNTAX_OUT=out)
        rtp = os.path.join(root, "editors", "vim")
        dump = os.path.join(root, "tests", "editors", "dump_syntax.vim")
        common = ["-u", "NONE", "-i", "NONE", "--cmd", f"set rtp^={rtp}", "--cmd", "filetype on",
                  "--cmd", "syntax on", "-c", f"source {dump}", "-c", "qa!", source]
        cmd = [editor, "-N", "-es"] + common if editor == "vim" else [editor, "--headless"] + common
        subprocess.run(cmd, env=env, check=True, timeout=60, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return [line.split(" ") if line else [] for line in open(out, encoding="utf-8").read().split("\n")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--editor", required=True, choices=["vim", "nvim"])
    ap.add_argument("--show", type=int, default=40)
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    snaps = sorted(glob.glob(os.path.join(root, "editors", "vscode", "test", "**", "*.rebate.snap"), recursive=True))
    if len(snaps) < 2:
        raise SystemExit("vim_syntax_test: no grammar snapshots found under editors/vscode/test")
    failures, compared = [], 0
    for snap in snaps:
        source = snap[: -len(".snap")]
        lines, tokens = read_snapshot(snap)
        groups = editor_groups(args.editor, root, source)
        rel = os.path.relpath(source, root)
        for li, start, end, scopes in tokens:
            text = lines[li][start:end]
            want = expected_groups(scopes)
            if want is None or not text.strip():
                continue
            byte0 = len(lines[li][:start].encode("utf-8"))
            row = groups[li] if li < len(groups) else []
            for k, ch in enumerate(text):
                if ch.isspace():
                    continue
                b = byte0 + len(text[:k].encode("utf-8"))
                got = row[b] if b < len(row) else "?"
                compared += 1
                if got not in want:
                    failures.append(f"{rel}:{li + 1}:{b + 1}: `{text}` ({scopes[-1]}) is {got} in {args.editor}, "
                                    f"expected {' or '.join(sorted(want))}")
                    break
    if failures:
        print("\n".join(failures[: args.show]))
        print(f"{len(failures)} tokens with the wrong group in {args.editor} ({compared} characters compared)")
        return 1
    print(f"{args.editor}: every token of {len(snaps)} files has the TextMate grammar's class ({compared} characters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

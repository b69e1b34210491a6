"""Makes the installed seahaven and seahaven_stripe_world packages import on Python 3.13.

Both declare Requires-Python >=3.14, and no 3.14 can be installed here. Their sources use two
3.14-only forms, and this script rewrites them in the installed copies, saying what it changes:

- annotations are evaluated lazily on 3.14; `from __future__ import annotations` at the top of
  each module gives 3.13 the same behaviour;
- `except A, B:` (no parentheses) is 3.14 syntax; it becomes `except (A, B):`.

Usage: python scripts/seahaven_py313.py SITE_PACKAGES
Running it again changes nothing.
"""

import ast
import pathlib
import re
import sys

FUTURE = "from __future__ import annotations\n"
BARE_EXCEPT_LIST = re.compile(r"^(\s*except )([A-Za-z_][\w.]*(?:, [A-Za-z_][\w.]*)+)(\s*(?: as \w+)?:)", re.M)


def insert_future(text: str) -> str:
    """The module with the future import after its docstring (where Python requires it)."""
    if FUTURE in text:
        return text
    lines = text.splitlines(keepends=True)
    at = 0
    try:
        tree = ast.parse(text)
    except SyntaxError:
        tree = None
    if tree and tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(
        getattr(tree.body[0], "value", None), ast.Constant
    ) and isinstance(tree.body[0].value.value, str):
        at = tree.body[0].end_lineno
    else:
        # Keep a shebang or encoding line first.
        while at < len(lines) and lines[at].startswith("#"):
            at += 1
    return "".join(lines[:at]) + FUTURE + "".join(lines[at:])


def main() -> int:
    site = pathlib.Path(sys.argv[1])
    changed = 0
    for package in ("seahaven", "seahaven_stripe_world"):
        root = site / package
        if not root.is_dir():
            print(f"seahaven_py313: {root} is not installed", file=sys.stderr)
            return 1
        for path in sorted(root.rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            fixed, excepts = BARE_EXCEPT_LIST.subn(r"\1(\2)\3", text)
            fixed = insert_future(fixed) if fixed.strip() else fixed
            if fixed != text:
                path.write_text(fixed, encoding="utf-8")
                changed += 1
                what = ["future import"] if FUTURE not in text and fixed.strip() else []
                if excepts:
                    what.append(f"{excepts} except list(s) parenthesized")
                print(f"seahaven_py313: {path.relative_to(site)}: {', '.join(what)}")
    print(f"seahaven_py313: {changed} file(s) changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

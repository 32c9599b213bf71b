#!/usr/bin/env python3
"""budgets.py [--list] [--root=DIR] - checks the size budgets of the code.

  - a C source or header, a Python or shell script: at most FILE_MAX lines;
  - the HTML report's page, under web/: a .js, .css or .html file at most
    FILE_MAX lines too; and a .js file's lines at most LINE_MAX characters
    (C's are clang-format's to keep narrow; the page's script has no such
    formatter, and dense lines are what its budget must not invite);
  - a C function: at most FUNC_MAX lines, from its opening brace to its
    closing one (the project's format puts both in column 0,
    .clang-format's function brace style, which is what this counts on).

Exceptions are named, each with its reason, in ci/budgets.allow
("PATH[:FUNCTION]  reason"): a table or a test's data that is the bulk of a
file. A line too long has no exception: it is cut. An exception that no longer applies is reported too, so that the list
stays true. --list prints every file and function over half its budget.
Ends with "budgets: ok" or the list of what is over. --root=DIR checks
another tree (the tests give it trees with known faults).
"""
import glob
import os
import re
import sys

FILE_MAX = 400
FUNC_MAX = 60
LINE_MAX = 100
ROOTS = ("src", "include", "fuzz", "tests", "bench", "examples", "ci")
EXTS = (".c", ".h", ".py", ".sh")
WEB_ROOT = "web"
WEB_EXTS = (".js", ".css", ".html")
NARROW = (".js",)   # whose lines are at most LINE_MAX characters
NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def sources():
    for roots, exts in ((ROOTS, EXTS), ((WEB_ROOT,), WEB_EXTS)):
        for root in roots:
            for path in glob.glob(root + "/**/*", recursive=True):
                if path.endswith(exts) and os.path.isfile(path):
                    yield path


def functions(lines):
    """(name, first line, length) of each function body in C text."""
    start = name = None
    for i, line in enumerate(lines):
        if line.startswith("{") and start is None:
            start = i
            name = "?"
            for j in range(i - 1, max(i - 8, -1), -1):
                m = NAME.search(lines[j])
                if m:
                    name = m.group(1)
                    break
        elif line.startswith("}") and start is not None:
            yield name, start + 1, i - start + 1
            start = None


def load_allow(path):
    allow = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            if len(parts) < 2:
                sys.exit("%s:%d: an exception needs its reason" % (path, n))
            allow[parts[0]] = parts[1]
    return allow


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    for i, a in enumerate(sys.argv):
        if a.startswith("--root="):
            root = a[len("--root="):]
    os.chdir(root)
    allow = load_allow("ci/budgets.allow")
    used, over, near = set(), [], []
    for path in sorted(sources()):
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
        if len(lines) > FILE_MAX:
            if path in allow:
                used.add(path)
            else:
                over.append("%s: %d lines (budget %d)"
                            % (path, len(lines), FILE_MAX))
        elif len(lines) > FILE_MAX // 2:
            near.append("%s: %d lines" % (path, len(lines)))
        if path.endswith(NARROW):
            for n, line in enumerate(lines, 1):
                if len(line) > LINE_MAX:
                    over.append("%s:%d: a line of %d characters (budget %d)"
                                % (path, n, len(line), LINE_MAX))
        if not path.endswith((".c", ".h")):
            continue
        for name, first, length in functions(lines):
            key = "%s:%s" % (path, name)
            if length > FUNC_MAX:
                if key in allow:
                    used.add(key)
                else:
                    over.append("%s:%d: %s() %d lines (budget %d)"
                                % (path, first, name, length, FUNC_MAX))
            elif length > FUNC_MAX // 2:
                near.append("%s:%d: %s() %d lines" % (path, first, name,
                                                       length))
    stale = sorted(set(allow) - used)
    if "--list" in sys.argv:
        for line in near:
            print("budgets: near: " + line)
    for line in over:
        print("budgets: over: " + line)
    for key in stale:
        print("budgets: ci/budgets.allow names %s, which is within budget "
              "(or gone): remove it" % key)
    if over or stale:
        print("budgets: %d over, %d stale exception(s)" % (len(over),
                                                          len(stale)))
        return 1
    print("budgets: ok (files <= %d lines, functions <= %d; %d named "
          "exception(s))" % (FILE_MAX, FUNC_MAX, len(used)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

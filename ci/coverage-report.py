#!/usr/bin/env python3
"""ci/coverage-report.py TRACEFILE THRESHOLDS SUMMARY - per-directory
coverage figures and their thresholds.

Reads an lcov tracefile (lcov --capture with lcov_branch_coverage=1,
already limited to src/), adds up lines, functions and branches per
directory (src/lib, src/journal, src/trace, src/cli, as named in THRESHOLDS), writes
SUMMARY (a plain table per directory, then per file, then every line that
a LCOV_EXCL marker keeps out of the figures with the reason written there)
and exits 1 if a directory is below one of its thresholds.

THRESHOLDS: one directory per line, "DIR LINES FUNCTIONS BRANCHES" in
percent; '#' starts a comment. A malformed line is an error (exit 2), not
a skipped check. lcov itself enforces the line threshold too (make
coverage runs lcov --fail-under-lines per directory); this script is the
branch and function check, which lcov 1.16 does not have.
"""
import os
import re
import sys


def die(msg, code=2):
    print(f"coverage-report: {msg}", file=sys.stderr)
    sys.exit(code)


def read_tracefile(path):
    """{source path: [LF, LH, FNF, FNH, BRF, BRH]} from an lcov tracefile."""
    files = {}
    cur = None
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if line.startswith("SF:"):
                    cur = files.setdefault(line[3:], [0] * 6)
                elif line == "end_of_record":
                    cur = None
                elif cur is not None and ":" in line:
                    key, _, val = line.partition(":")
                    idx = {"LF": 0, "LH": 1, "FNF": 2, "FNH": 3, "BRF": 4,
                           "BRH": 5}.get(key)
                    if idx is not None:
                        if not val.isdigit():
                            die(f"{path}:{n}: {key} is not a number")
                        cur[idx] += int(val)
    except OSError as e:
        die(f"{path}: {e.strerror}")
    if not files:
        die(f"{path}: no source file in the tracefile (did the tests run?)")
    return files


def read_thresholds(path):
    rules = []
    try:
        with open(path, encoding="utf-8") as f:
            for n, raw in enumerate(f, 1):
                line = raw.split("#", 1)[0].split()
                if not line:
                    continue
                if len(line) != 4:
                    die(f"{path}:{n}: expected 'DIR LINES FUNCTIONS "
                        f"BRANCHES', got '{raw.strip()}'")
                try:
                    nums = [float(x) for x in line[1:]]
                except ValueError:
                    die(f"{path}:{n}: thresholds must be numbers: "
                        f"'{raw.strip()}'")
                if any(not 0 <= x <= 100 for x in nums):
                    die(f"{path}:{n}: thresholds are percentages (0..100)")
                rules.append((line[0].rstrip("/"), nums))
    except OSError as e:
        die(f"{path}: {e.strerror}")
    if not rules:
        die(f"{path}: no threshold")
    return rules


def pct(hit, found):
    return 100.0 if found == 0 else 100.0 * hit / found


def fmt(hit, found):
    return f"{pct(hit, found):6.1f}% {hit:5d}/{found:<5d}"


def exclusions(root, dirs):
    """Every LCOV_EXCL marker in the measured directories, with its line."""
    out = []
    for d in dirs:
        base = os.path.join(root, d)
        for dirpath, _, names in os.walk(base):
            for name in sorted(names):
                if not name.endswith((".c", ".h")):
                    continue
                p = os.path.join(dirpath, name)
                with open(p, encoding="utf-8", errors="replace") as f:
                    for n, line in enumerate(f, 1):
                        if "LCOV_EXCL" in line:
                            rel = os.path.relpath(p, root)
                            out.append(f"{rel}:{n}: {line.strip()}")
    return out


def main():
    if len(sys.argv) != 4:
        die("usage: coverage-report.py TRACEFILE THRESHOLDS SUMMARY")
    trace, thresholds, summary = sys.argv[1:]
    root = os.getcwd()
    files = read_tracefile(trace)
    rules = read_thresholds(thresholds)

    per_dir = {}
    rel_files = {}
    for path, v in files.items():
        rel = os.path.relpath(path, root)
        rel_files[rel] = v
        for d, _ in rules:
            if rel.startswith(d + "/"):
                acc = per_dir.setdefault(d, [0] * 6)
                for i in range(6):
                    acc[i] += v[i]

    head = f"{'':24} {'lines':>18} {'functions':>18} {'branches':>18}"
    out = ["shmcheck coverage (gcc --coverage; unit, integration and "
           "fuzz-corpus replay)", "", head]
    failures = []
    for d, (tl, tf, tb) in rules:
        v = per_dir.get(d)
        if v is None:
            failures.append(f"{d}: no file measured")
            continue
        out.append(f"{d:24} {fmt(v[1], v[0])} {fmt(v[3], v[2])} "
                   f"{fmt(v[5], v[4])}")
        for what, hit, found, want in (("lines", v[1], v[0], tl),
                                       ("functions", v[3], v[2], tf),
                                       ("branches", v[5], v[4], tb)):
            if pct(hit, found) + 1e-9 < want:
                failures.append(f"{d}: {what} {pct(hit, found):.1f}% is "
                                f"below the threshold {want:g}%")
    out += ["", "thresholds (" + thresholds + "):"]
    out += [f"  {d:14} lines {tl:g}%  functions {tf:g}%  branches {tb:g}%"
            for d, (tl, tf, tb) in rules]
    out += ["", "per file:", head]
    for rel in sorted(rel_files):
        v = rel_files[rel]
        out.append(f"{rel:24} {fmt(v[1], v[0])} {fmt(v[3], v[2])} "
                   f"{fmt(v[5], v[4])}")
    excl = exclusions(root, [d for d, _ in rules])
    out += ["", f"kept out of the figures by LCOV_EXCL markers "
            f"({len(excl)}), each with its reason:"]
    out += ["  " + e for e in excl] or ["  none"]
    text = "\n".join(out) + "\n"
    with open(summary, "w", encoding="utf-8") as f:
        f.write(text)
    print(text, end="")
    if failures:
        for f in failures:
            print(f"coverage-report: FAIL {f}", file=sys.stderr)
        sys.exit(1)
    print("coverage-report: every threshold met")


if __name__ == "__main__":
    main()

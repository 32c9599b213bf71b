#!/usr/bin/env python3
"""check_sarif.py [RULE...] < REPORT - checks a SARIF 2.1.0 log for
tests/cli/test_report_sarif*.c as GitHub code scanning takes it: the keys
it requires, rule ids unique and exactly RULE..., each result's rule and
level, a one-line message, one location with a URI (and a line >= 1 when
it has a region), a 16-digit fingerprint, a location for every stack
frame, and a successful invocation; and the whole log against the
schema (sarif_schema.py). Exits 0 when it holds, 1 with the reason on
stderr otherwise.
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sarif_schema  # noqa: E402

LEVELS = {"leaked_segment": "error", "invalid_detach": "error",
          "unmatched_attach": "warning", "failed_call": "warning",
          "lint": "note"}


def check(cond, why):
    if not cond:
        sys.exit("check_sarif.py: %s" % (why,))


def check_rules(drv):
    ids = [r["id"] for r in drv["rules"]]
    check(len(ids) == len(set(ids)), ids)
    for r in drv["rules"]:
        check(r["defaultConfiguration"]["level"] == LEVELS[r["id"]], r["id"])
        check(r["shortDescription"]["text"], r["id"])
        check(r["fullDescription"]["text"], r["id"])
    return ids


def check_result(x, ids):
    check(ids[x["ruleIndex"]] == x["ruleId"], x["ruleId"])
    check(x["level"] == LEVELS[x["ruleId"]], x["ruleId"])
    check(x["message"]["text"] and "\n" not in x["message"]["text"],
          x["message"])
    loc, = x["locations"]
    pl = loc["physicalLocation"]
    check(pl["artifactLocation"]["uri"], pl)
    check(pl.get("region", {"startLine": 1})["startLine"] >= 1, pl)
    check(len(x["partialFingerprints"]["shmcheck/v1"]) == 16,
          x["partialFingerprints"])
    for st in x.get("stacks", []):
        check(all("location" in f for f in st["frames"]), st)


def main():
    d = json.load(sys.stdin)
    try:
        sarif_schema.validate(d)
    except AssertionError as e:
        check(False, e)
    check(d["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json",
          d["$schema"])
    check(d["version"] == "2.1.0", d["version"])
    run, = d["runs"]
    drv = run["tool"]["driver"]
    check(drv["name"] == "shmcheck" and drv["version"], drv)
    check("informationUri" not in drv, drv)  # none that is not real
    ids = check_rules(drv)
    for x in run["results"]:
        check_result(x, ids)
    inv, = run["invocations"]
    check(inv["executionSuccessful"] is True, inv)
    check(sorted(ids) == sorted(sys.argv[1:]), ids)


if __name__ == "__main__":
    main()

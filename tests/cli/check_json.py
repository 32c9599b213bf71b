#!/usr/bin/env python3
"""check_json.py [layout | command HEX...] < REPORT - checks a JSON report
for tests/cli/test_report_json.c and test_json.c: it must parse with no
duplicate key in any object; with "layout", the text must also be exactly
json.dumps(indent=2)'s; with "command", its command must be what the hex
strings decode to (as bytes.decode("utf-8", "replace")). Exits 0 when it
holds, 1 with the reason on stderr otherwise.
"""
import json
import sys


def check(cond, why):
    if not cond:
        sys.exit("check_json.py: %s" % (why,))


def pairs(p):
    keys = [k for k, v in p]
    check(len(keys) == len(set(keys)), "duplicate keys: %r" % keys)
    return dict(p)


def main():
    s = sys.stdin.read()
    d = json.loads(s, object_pairs_hook=pairs)
    if sys.argv[1:2] == ["layout"]:
        check(json.dumps(d, indent=2) + "\n" == s, "layout")
    if sys.argv[1:2] == ["command"]:
        want = [bytes.fromhex(h).decode("utf-8", "replace")
                for h in sys.argv[2:]]
        check(d["command"] == want, (d["command"], want))


if __name__ == "__main__":
    main()

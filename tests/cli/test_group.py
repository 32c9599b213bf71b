#!/usr/bin/env python3
"""test_group.py - repeated findings grouped (src/cli/group.h), end to end
on tests/cli/helpers/repeat_prog.c: one mistake made thousands of times
in four processes is one finding with its count, first and last
occurrence and pids, in the text, JSON and SARIF reports; the JSON
report's size does not grow with the count; two call sites are two
findings, and a suppression hides one whole, counting all its
occurrences; the leaks of one call site are one finding of every segment,
and --cleanup removes them all.
Run: SHMC_BUILD_DIR=build python3 tests/cli/test_group.py
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import (BUILD, SHMCHECK, CliTest, main,  # noqa: E402
                     sarif_log, segments)

REPEAT = os.path.join(BUILD, "tests/cli/helpers/repeat_prog")


def reports(args, prog_args):
    """shmcheck --json --sarif ARGS -- repeat_prog PROG_ARGS: its
    CompletedProcess, the JSON report's text and the SARIF log."""
    tmp = tempfile.mkdtemp(prefix="shmc-cli-")
    out, sarif = os.path.join(tmp, "r.json"), os.path.join(tmp, "r.sarif")
    proc = subprocess.run([SHMCHECK, "--json", out, "--sarif", sarif] +
                          args + ["--", REPEAT] + prog_args,
                          capture_output=True, text=True, timeout=300)
    with open(out) as f:
        text = f.read()
    log = sarif_log(sarif)
    shutil.rmtree(tmp)
    return proc, text, log


class Group(CliTest):

    def detach(self, n):
        proc, text, log = reports([], ["detach", str(n)])
        self.expect(proc, 23)
        return proc, text, json.loads(text), log

    def test_one_finding_for_every_occurrence(self):
        proc, _, r, log = self.detach(2000)
        top = r["processes"][0]["pid"]
        pids = sorted(p["pid"] for p in r["processes"])
        self.assertEqual(len(pids), 4)
        self.assertEqual(len(r["findings"]), 1)
        f = r["findings"][0]
        self.assertEqual(f["kind"], "invalid_detach")
        self.assertEqual(f["count"], 8000)
        self.assertEqual(f["pids"], pids)
        self.assertIn(top, f["pids"])
        self.assertEqual(f["pid"], f["first"]["pid"])
        self.assertIn(f["last"]["pid"], pids)
        self.assertGreaterEqual(f["first"]["time_s"], 0)
        self.assertLessEqual(f["first"]["time_s"], f["last"]["time_s"])
        self.assertLess(f["last"]["time_s"], 60)
        self.assertEqual(f["stack"][0]["function"], "detach_bad")
        self.assertEqual(r["summary"]["invalid_detaches"], 8000)
        # the text report: one block, its occurrences on one line
        self.assertEqual(proc.stderr.count("ERROR: invalid detach"), 1)
        line = re.search(r"==shmcheck==   8000 times in 4 processes "
                         r"\(pids (\d+), (\d+), (\d+), (\d+)\), first at "
                         r"\+(\d+\.\d{3}) s \(pid (\d+)\), last at "
                         r"\+(\d+\.\d{3}) s \(pid (\d+)\)\n", proc.stderr)
        self.assertTrue(line, proc.stderr)
        self.assertEqual([int(p) for p in line.group(1, 2, 3, 4)], pids)
        self.assertEqual(int(line.group(6)), f["first"]["pid"])
        self.assertEqual(int(line.group(8)), f["last"]["pid"])
        self.assertIn("8000 invalid detach(es)", proc.stderr)
        # SARIF: one result, counted
        results = log["runs"][0]["results"]
        self.assertEqual(len(results), 1)
        self.assertEqual(results[0]["occurrenceCount"], 8000)
        props = results[0]["properties"]
        self.assertEqual(props["count"], 8000)
        self.assertEqual(props["pids"], pids)
        self.assertEqual(props["first"], f["first"])
        self.assertEqual(props["last"], f["last"])
        self.assertIn("(8000 times in 4 processes)",
                      results[0]["message"]["text"])

    def test_report_size_does_not_grow_with_the_count(self):
        _, small, _, _ = self.detach(100)
        _, big, r, _ = self.detach(2000)
        self.assertEqual(r["findings"][0]["count"], 8000)
        # only digits differ: the count's, pids', addresses' and times'
        self.assertLess(abs(len(big) - len(small)), 40,
                        (len(small), len(big)))
        self.assertLess(len(big), 8192)

    def test_two_call_sites_are_two_findings(self):
        proc, text, log = reports([], ["two", "50"])
        self.expect(proc, 23)
        r = json.loads(text)
        got = sorted((f["stack"][0]["function"], f["count"], f["pids"])
                     for f in r["findings"])
        top = r["processes"][0]["pid"]
        self.assertEqual(got, [("detach_bad", 50, [top]),
                               ("detach_elsewhere", 50, [top])])
        self.assertEqual(r["summary"]["invalid_detaches"], 100)
        self.assertEqual([x["occurrenceCount"]
                          for x in log["runs"][0]["results"]], [50, 50])

    def test_a_suppression_takes_the_whole_group(self):
        with tempfile.NamedTemporaryFile("w", suffix=".supp") as supp:
            supp.write("invalid_detach:fun:detach_bad\n")
            supp.flush()
            proc, text, log = reports(["--suppressions", supp.name],
                                      ["two", "50"])
        self.expect(proc, 23, contains=(
            "50 invalid detach(es), 0 failed call(s), 0 lint(s); "
            "50 suppressed\n",))
        r = json.loads(text)
        self.assertEqual([(f["stack"][0]["function"], f["count"])
                          for f in r["findings"]], [("detach_elsewhere", 50)])
        self.assertEqual((r["summary"]["invalid_detaches"],
                          r["summary"]["suppressed"]), (50, 50))

    def test_leaks_of_one_call_site_and_cleanup(self):
        before = segments()
        proc, text, _ = reports(["--cleanup"], ["leaks", "5"])
        self.expect(proc, 23, contains=(
            "--cleanup removed 5 leaked segment(s)\n",
            "5 leaked segment(s) (20480 bytes)"))
        r = json.loads(text)
        self.assertEqual(len(r["findings"]), 1)
        f = r["findings"][0]
        top = r["processes"][0]["pid"]
        self.assertEqual((f["kind"], f["count"], f["pids"]),
                         ("leaked_segment", 5, [top]))
        shmids = [s["shmid"] for s in f["segments"]]
        self.assertEqual(len(set(shmids)), 5)
        self.assertIn(f["shmid"], shmids)
        for s in f["segments"]:
            self.assertEqual((s["key"], s["size"], s["creator_pid"]),
                             ("0x00000000", 4096, top))
        self.assertRegex(proc.stderr, r"==shmcheck==   segments: shmid "
                         r"\d+, \d+, \d+, \d+, \d+\n")
        self.assertEqual(segments(), before)  # every one removed
        self.assertEqual(r["summary"]["leaked_bytes"], 5 * 4096)


if __name__ == "__main__":
    main()

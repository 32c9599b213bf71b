#!/usr/bin/env python3
"""test_reports.py - what shmcheck's reports say end to end: SARIF located
on the source line; stacks without a symbolizer (missing, turned off,
failing or hanging: a warning in the report);
suppressions from a file, a malformed one refused with its line, and the
rules --gen-suppressions prints read back as suppressions.
Run: SHMC_BUILD_DIR=build python3 tests/cli/test_reports.py
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import (PROG, SHMCHECK, CliTest, Tmp, main, report,  # noqa: E402
                     run, shmcheck_json)


def frames(r):
    return [f for x in r["findings"] for f in x["stack"]]


class Reports(CliTest):
    """SARIF and symbolization."""

    def test_sarif_report(self):
        tmp = tempfile.mkdtemp(prefix="shmc-sarif-")
        out = os.path.join(tmp, "r.sarif")
        p = subprocess.run([SHMCHECK, "--isolate", "--sarif", out, "--", PROG,
                            "leak"], capture_output=True, text=True)
        with open(out) as f:
            s = json.load(f)
        shutil.rmtree(tmp)
        res = s["runs"][0]["results"]
        self.assertTrue(p.returncode == 23 and s["version"] == "2.1.0",
                        "exit %d, version %r" % (p.returncode, s["version"]))
        self.assertTrue(res[0]["ruleId"] == "leaked_segment" and
                        res[0]["locations"][0]["physicalLocation"]["region"]
                        ["startLine"] == 19, json.dumps(res))

    def test_symbolizer_missing_or_off(self):
        with Tmp() as tmp:
            out = os.path.join(tmp, "r.json")
            bad = run(["--symbolizer", "/nonexistent/llvm-symbolizer",
                       "--json", out, "--isolate", "--", PROG, "leak"])
            rbad = report(out)
            off = run(["--no-symbolize", "--json", out, "--isolate", "--",
                       PROG, "leak"])
            roff = report(out)
            clean = run(["--symbolizer", "/nonexistent/llvm-symbolizer",
                         "--isolate", "--", PROG, "clean"])
        self.expect(bad, 23, contains=[
            "==shmcheck== warning: cannot start /nonexistent/llvm-symbolizer: "
            "No such file or directory; stacks stay as module+offset\n"])
        # In the report too, not only on stderr.
        self.assertEqual(rbad["warnings"], [
            "cannot start /nonexistent/llvm-symbolizer: No such file or "
            "directory; stacks stay as module+offset"])
        self.expect(off, 23)
        self.assertTrue("warning" not in off.stderr, off.stderr)
        self.expect(clean, 0)  # nothing to symbolize: never started
        self.assertTrue("warning" not in clean.stderr, clean.stderr)
        for r in (rbad, roff):
            fr = frames(r)
            self.assertTrue(fr and all(f["function"] is None and
                                       f["file"] is None for f in fr),
                            json.dumps(fr))
            self.assertTrue(any(f["module"] and
                                f["module"].endswith("/leaky_prog")
                                for f in fr), json.dumps(fr))

    def test_symbolizer_fails_or_hangs(self):
        """A symbolizer that exits at once, or reads and never answers
        (named by SHMCHECK_SYMBOLIZER, which the tracers in the tree take
        without a word): a warning in every format, and no hang."""
        cases = [("exits", "exit 0\n", "stopped answering (it exited or "
                  "closed its output)"),
                 ("hangs", "while IFS= read -r q; do :; done\n",
                  "did not answer in time (10000 ms a reply, 60000 in all)")]
        for name, body, why in cases:
            with Tmp() as tmp:
                sym = os.path.join(tmp, name)
                with open(sym, "w") as f:
                    f.write("#!/bin/sh\n" + body)
                os.chmod(sym, 0o700)
                out, sarif = (os.path.join(tmp, "r.json"),
                              os.path.join(tmp, "r.sarif"))
                began = time.monotonic()
                p = run(["--json", out, "--sarif", sarif, "--isolate", "--",
                         PROG, "leak"],
                        env=dict(os.environ, SHMCHECK_SYMBOLIZER=sym))
                took = time.monotonic() - began
                r, s = report(out), report(sarif)
            text = ("symbolizer %s %s; the stacks not symbolized by then "
                    "stay as module+offset" % (sym, why))
            self.expect(p, 23, contains=["==shmcheck== warning: %s\n" % text])
            self.assertEqual(r["warnings"], [text])
            notes = s["runs"][0]["invocations"][0][
                "toolExecutionNotifications"]
            self.assertEqual([n["message"]["text"] for n in notes], [text])
            self.assertTrue(all(f["function"] is None for f in frames(r)))
            self.assertLess(took, 40)


class Suppressions(CliTest):
    """--suppressions and --gen-suppressions."""

    def test_suppressed_leak(self):
        tmp = tempfile.mkdtemp(prefix="shmc-supp-")
        supp = os.path.join(tmp, "supp")
        with open(supp, "w") as f:
            f.write("# the leak is on purpose\nleaked_segment:leak\n")
        proc, r = shmcheck_json(["--isolate", "--suppressions", supp],
                                [PROG, "leak"])
        shutil.rmtree(tmp)
        self.assertTrue(proc.returncode == 0, proc.stderr)
        self.assertTrue(r["summary"]["suppressed"] == 1 and
                        r["summary"]["leaked_segments"] == 0,
                        json.dumps(r["summary"]))

    def test_bad_suppressions_file(self):
        tmp = tempfile.mkdtemp(prefix="shmc-supp-")
        supp = os.path.join(tmp, "supp")
        with open(supp, "w") as f:
            f.write("leaked_segment:ok\nnot a rule\n")
        proc, _ = shmcheck_json(["--suppressions", supp], [PROG, "clean"])
        shutil.rmtree(tmp)
        self.assertTrue(proc.returncode == 2 and supp + ":2:" in proc.stderr,
                        proc.stderr)

    def test_gen_suppressions_round_trip(self):
        p = subprocess.run([SHMCHECK, "--isolate", "--gen-suppressions", "--",
                            PROG, "leak"], capture_output=True, text=True)
        rules = re.findall(r"suppression: (\S+)", p.stderr)
        self.assertTrue(rules == ["leaked_segment:stack:fun:create|fun:leak|"
                                  "fun:main"], p.stderr)
        tmp = tempfile.mkdtemp(prefix="shmc-gen-")
        supp = os.path.join(tmp, "s")
        with open(supp, "w") as f:
            f.write("\n".join(rules) + "\n")
        q, r = shmcheck_json(["--isolate", "--suppressions", supp],
                             [PROG, "leak"])
        shutil.rmtree(tmp)
        self.assertTrue(q.returncode == 0 and
                        r["summary"]["suppressed"] == 1, q.stderr)


if __name__ == "__main__":
    main()

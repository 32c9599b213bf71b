#!/usr/bin/env python3
"""test_reports.py - what shmcheck's reports say end to end: SARIF located
on the source line; stacks symbolized in process, from the program or
from its separate debug file (SHMCHECK_DEBUG_DIR), or not at all
(--no-symbolize);
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

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import (PROG, SHMCHECK, CliTest, Tmp, main, report,  # noqa: E402
                     run, sarif_log, shmcheck_json)


def frames(r):
    return [f for x in r["findings"] for f in x["stack"]]


class Reports(CliTest):
    """SARIF and symbolization."""

    def test_sarif_report(self):
        tmp = tempfile.mkdtemp(prefix="shmc-sarif-")
        out = os.path.join(tmp, "r.sarif")
        p = subprocess.run([SHMCHECK, "--isolate", "--sarif", out, "--", PROG,
                            "leak"], capture_output=True, text=True)
        s = sarif_log(out)
        shutil.rmtree(tmp)
        res = s["runs"][0]["results"]
        self.assertTrue(p.returncode == 23 and s["version"] == "2.1.0",
                        "exit %d, version %r" % (p.returncode, s["version"]))
        self.assertTrue(res[0]["ruleId"] == "leaked_segment" and
                        res[0]["locations"][0]["physicalLocation"]["region"]
                        ["startLine"] == 19, json.dumps(res))

    def test_symbolized_in_process(self):
        """Function, file and line of every frame of the program, from its
        own debug information, without a warning; --symbolizer is gone."""
        with Tmp() as tmp:
            out = os.path.join(tmp, "r.json")
            p = run(["--json", out, "--isolate", "--", PROG, "leak"])
            r = report(out)
        self.expect(p, 23)
        self.assertEqual(r["warnings"], [])
        own = [(f["function"], os.path.basename(f["file"]), f["line"])
               for f in frames(r) if f["module"] == PROG]
        self.assertEqual(own, [("create", "leaky_prog.c", 19),
                               ("leak", "leaky_prog.c", 43),
                               ("main", "leaky_prog.c", 171)])
        self.assertTrue(all(f["file"].startswith("/")
                            for f in frames(r) if f["module"] == PROG),
                        json.dumps(frames(r)))
        self.usage_error(["--symbolizer", "/usr/bin/llvm-symbolizer", "--",
                          PROG, "clean"], "unknown option '--symbolizer'")

    def test_symbolize_off(self):
        with Tmp() as tmp:
            out = os.path.join(tmp, "r.json")
            off = run(["--no-symbolize", "--json", out, "--isolate", "--",
                       PROG, "leak"])
            roff = report(out)
        self.expect(off, 23)
        self.assertTrue("warning" not in off.stderr, off.stderr)
        fr = frames(roff)
        self.assertTrue(fr and all(f["function"] is None and
                                   f["file"] is None for f in fr),
                        json.dumps(fr))
        self.assertTrue(any(f["module"] and f["module"].endswith("/leaky_prog")
                            for f in fr), json.dumps(fr))

    def test_separate_debug_file(self):
        """A stripped program: its debug file by build-id under
        SHMCHECK_DEBUG_DIR gives the lines (and the tracers in the tree take
        the setting without a word); without it, .dynsym has no static
        function and there is no line."""
        tools = ("objcopy", "strip", "readelf")
        if not all(shutil.which(t) for t in tools):
            self.skipTest("needs objcopy, strip and readelf")
        with Tmp() as tmp:
            prog, out = os.path.join(tmp, "prog"), os.path.join(tmp, "r.json")
            note = subprocess.run(["readelf", "-n", PROG], check=True,
                                  capture_output=True, text=True).stdout
            bid = re.search(r"Build ID: ([0-9a-f]+)", note).group(1)
            ddir = os.path.join(tmp, "debug", ".build-id", bid[:2])
            os.makedirs(ddir)
            subprocess.run(["objcopy", "--only-keep-debug", PROG,
                            os.path.join(ddir, bid[2:] + ".debug")],
                           check=True)
            subprocess.run(["strip", "--strip-all", "-o", prog, PROG],
                           check=True)
            env = dict(os.environ, SHMCHECK_DEBUG_DIR=os.path.join(tmp,
                                                                   "debug"))
            p = run(["--json", out, "--isolate", "--", prog, "leak"],
                    env=env)
            with_debug = report(out)
            env["SHMCHECK_DEBUG_DIR"] = os.path.join(tmp, "none")
            q = run(["--json", out, "--isolate", "--", prog, "leak"],
                    env=env)
            without = report(out)
        self.expect(p, 23)
        self.expect(q, 23)
        self.assertEqual(with_debug["warnings"], [])

        def own(r):
            return [(f["function"], f["file"] and os.path.basename(f["file"]),
                     f["line"]) for f in frames(r) if f["module"] == prog]
        self.assertEqual(own(with_debug), [("create", "leaky_prog.c", 19),
                                           ("leak", "leaky_prog.c", 43),
                                           ("main", "leaky_prog.c", 171)])
        self.assertEqual(own(without), [(None, None, None)] * 3)


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

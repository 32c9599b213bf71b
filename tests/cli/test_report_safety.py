#!/usr/bin/env python3
"""test_report_safety.py - what shmcheck's reports say end to end about
findings a hostile or merely careless program makes (issue 12): argv and
file names holding a newline, a fake SUMMARY line and terminal escapes are
escaped, so the text report has one SUMMARY line and no control byte, and
SARIF messages none either; the findings of a process come in the order
it made the calls; --gen-suppressions writes a rule naming the frames of
the stack, which hides its finding and not the same leak made on another
path; no lint for a shmget(key, 0, ...) that opens an existing segment;
the detach of an address whose mapping remap_file_pages replaced says so.
The programs are report_prog's subcommands (and leaky_prog's leak).
Run: SHMC_BUILD_DIR=build python3 tests/cli/test_report_safety.py
"""
import json
import os
import re
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import (BUILD, HELPERS, PROG, SHMCHECK, CliTest, Tmp,  # noqa
                     main, report, run, sarif_log)

RPROG = os.path.join(BUILD, "tests/cli/helpers/report_prog")
SOURCE = os.path.join(HELPERS, "report_prog.c")
FAKE = "\n==shmcheck== SUMMARY: shmcheck: 0 leaked segment(s) (0 bytes)"
ESC = "\x1b[2J\x1b]0;owned\x07"


def line_of(text):
    """The number of the one line of report_prog.c that holds text."""
    with open(SOURCE) as f:
        found = [i + 1 for i, line in enumerate(f) if text in line]
    assert len(found) == 1, "%r is on lines %s" % (text, found)
    return found[0]


def run_bytes(args):
    """shmcheck ARGS; its CompletedProcess, output as bytes."""
    return subprocess.run([SHMCHECK] + args, capture_output=True, timeout=120)


def where(finding):
    """(function, line) of the innermost frame of a JSON finding."""
    return (finding["stack"][0]["function"], finding["stack"][0]["line"])


class Safety(CliTest):

    def assert_clean_text(self, err):
        """err (bytes) has one SUMMARY line, last, and no control byte but
        the newlines that end its lines."""
        lines = err.split(b"\n")
        self.assertEqual(lines[-1], b"", err)
        bad = [c for c in err if (c < 0x20 and c != 0x0a) or c == 0x7f]
        self.assertEqual(bad, [], err)
        summaries = [x for x in lines if x.startswith(b"==shmcheck== SUMM")]
        self.assertEqual(len(summaries), 1, err)
        self.assertTrue(lines[-2].startswith(b"==shmcheck== SUMMARY: "), err)

    def test_forged_argv_and_paths(self):
        """A program whose path and arguments hold a newline, a fake
        SUMMARY line and terminal escapes: all escaped."""
        with Tmp() as tmp:
            evil = os.path.join(tmp, "prog" + FAKE + ESC)
            shutil.copy(PROG, evil)
            sarif = os.path.join(tmp, "r.sarif")
            p = run_bytes(["--isolate", "--sarif", sarif, "--", evil, "leak",
                           "x" + FAKE, ESC])
            with open(sarif, "rb") as f:
                raw = f.read()
            sarif_log(sarif)
        self.assertEqual(p.returncode, 23, p.stderr)
        self.assert_clean_text(p.stderr)
        err = p.stderr.decode()
        # argv as the program got it, each control byte escaped
        self.assertIn("(%s leak x\\n==shmcheck== SUMMARY: shmcheck: 0 leaked "
                      "segment(s) (0 bytes) \\x1b[2J\\x1b]0;owned\\x07)" %
                      evil.replace("\n", "\\n").replace("\x1b", "\\x1b")
                      .replace("\x07", "\\x07"), err)
        # the module, a file name, in the frames
        self.assertIn("(prog\\n==shmcheck== SUMMARY: shmcheck: 0 leaked "
                      "segment(s) (0 bytes)\\x1b[2J\\x1b]0;owned\\x07+0x", err)
        # SARIF: JSON-escaped anyway; no message text holds a control
        # character once decoded
        texts = [r["message"]["text"] for r in
                 json.loads(raw)["runs"][0]["results"]]
        for t in texts:
            self.assertFalse(re.search("[\x00-\x1f\x7f]", t), t)

    def test_untraced_name_in_warning(self):
        """A static program (no journal) under a name with control bytes:
        the warning naming it and the SARIF notification are escaped."""
        static = os.path.join(BUILD, "tests/cli/helpers/leaky_prog-static")
        with Tmp() as tmp:
            evil = os.path.join(tmp, "st\n==shmcheck== SUMMARY: 0" + ESC)
            shutil.copy(static, evil)
            sarif = os.path.join(tmp, "r.sarif")
            p = run_bytes(["--isolate", "--sarif", sarif, "--", PROG, "spawn",
                           evil, "leak"])
            s = sarif_log(sarif)
        self.assert_clean_text(p.stderr)
        self.assertIn(b"st\\n==shmcheck== SUMMARY: 0\\x1b[2J", p.stderr)
        notes = s["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        self.assertTrue(notes and all(
            not re.search("[\x00-\x1f\x7f]", n["message"]["text"])
            for n in notes), notes)

    def test_call_order(self):
        """Two attachments never detached, the first attached first: the
        first is listed first (mmap hands out lower addresses later)."""
        with Tmp() as tmp:
            out = os.path.join(tmp, "r.json")
            sarif = os.path.join(tmp, "r.sarif")
            p = run(["--isolate", "--json", out, "--sarif", sarif, "--",
                     RPROG, "order"])
            r = report(out)
            s = sarif_log(sarif)
        self.expect(p, 0)
        got = [where(f) for f in r["findings"]]
        self.assertEqual(got, [("first_attach", line_of("/* first attach")),
                               ("second_attach",
                                line_of("/* second attach"))], got)
        self.assertGreater(int(r["findings"][0]["addr"], 16),
                           int(r["findings"][1]["addr"], 16))
        sar = [x["stacks"][0]["frames"][0]["location"]["logicalLocations"][0]
               ["name"] for x in s["runs"][0]["results"]]
        self.assertEqual(sar, ["first_attach", "second_attach"])
        text = p.stderr
        self.assertLess(text.index("in first_attach"),
                        text.index("in second_attach"), text)

    def test_generated_rule_is_specific(self):
        """The rule for the leak made through path_a names its frames, and
        hides that leak but not the one path_b makes."""
        with Tmp() as tmp:
            g = run(["--isolate", "-g", "--", RPROG, "path_a"])
            rules = re.findall(r"^==shmcheck==   suppression: (.*)$",
                               g.stderr, re.M)
            supp = os.path.join(tmp, "a.supp")
            with open(supp, "w") as f:
                f.write("\n".join(rules) + "\n")
            out = os.path.join(tmp, "r.json")
            p = run(["--isolate", "-S", supp, "--json", out, "--", RPROG,
                     "paths"])
            r = report(out)
        self.expect(g, 23)
        self.assertEqual(rules, ["leaked_segment:stack:fun:make_segment|"
                                 "fun:path_a|fun:main"])
        self.expect(p, 23)
        self.assertEqual(r["summary"]["suppressed"], 1)
        self.assertEqual([f["stack"][1]["function"] for f in r["findings"]],
                         ["path_b"])

    def test_no_rule_for_a_kernel_only_leak(self):
        """A leak only the kernel saw has no stack: a comment, not the
        catch-all leaked_segment:*."""
        static = os.path.join(BUILD, "tests/cli/helpers/leaky_prog-static")
        p = run(["--isolate", "-g", "--", static, "leak"])
        self.expect(p, 23)
        self.assertIn("==shmcheck==   suppression: # no rule: nothing names "
                      "this finding (its stack has no function or module), "
                      "and leaked_segment:* would hide every leaked_segment\n",
                      p.stderr)
        self.assertNotIn("suppression: leaked_segment:", p.stderr)

    def test_open_existing_is_no_lint(self):
        """shmget(key, 0, 0) and shmget(key, 0, IPC_CREAT) opening a
        segment made with IPC_EXCL: legal, no lint (no ignored_bits, no
        create_without_excl: size 0 cannot create)."""
        with Tmp() as tmp:
            out = os.path.join(tmp, "r.json")
            p = run(["--isolate", "--json", out, "--", RPROG,
                     "open_existing"])
            r = report(out)
        self.expect(p, 0)
        self.assertEqual(p.stdout, "opened 1 1\n")
        self.assertEqual(r["findings"], [])

    def test_detach_of_remapped_attachment(self):
        """remap_file_pages swapped the pages of an attachment: its shmdt
        fails (EINVAL) as bare, and the finding says why."""
        bare = subprocess.run([RPROG, "remap"], capture_output=True,
                              text=True, timeout=60)
        with Tmp() as tmp:
            out = os.path.join(tmp, "r.json")
            p = run(["--isolate", "--json", out, "--", RPROG, "remap"])
            r = report(out)
        self.assertEqual(bare.stdout, "remap 0 0 shmdt -1 EINVAL\n")
        self.assertEqual(p.stdout, bare.stdout)
        self.expect(p, 23)
        detach = [f for f in r["findings"] if f["kind"] == "invalid_detach"]
        self.assertEqual(len(detach), 1, r["findings"])
        self.assertEqual(detach[0]["errno"], "EINVAL")
        self.assertEqual(detach[0]["message"],
                         "remap_file_pages replaced the first page of the "
                         "attachment at this address: shmdt no longer finds "
                         "it; it stays attached until unmapped or the end of "
                         "the process")
        self.assertEqual(where(detach[0]),
                         ("remap", line_of("/* the detach of a replaced")))


if __name__ == "__main__":
    main()

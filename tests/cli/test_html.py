#!/usr/bin/env python3
"""test_html.py - shmcheck --html FILE end to end: one page with the
style sheet and the script the build embedded (web/: every .js file, in
the order src/cli/assets.S and the Makefile give), no marker left; its
data parses, its "report" is the --json report of the same run; the
timeline has a row per process and per attachment, times in order, and
links each leaked segment, unmatched attachment, invalid detach and failed
call to its finding; "</script>" in an argv cannot end the data's element;
--replay, --html - and a file that cannot be written; a 1,000-process run
(tests/cli/helpers/many_procs) stays under 5 MB.
Run: SHMC_BUILD_DIR=build python3 tests/cli/test_html.py
"""
import json
import os
import re
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import (BUILD, PROG, CliTest, Tmp, main, report,  # noqa: E402
                     run)

MANY = os.path.join(BUILD, "tests/cli/helpers/many_procs")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
WEB = os.path.join(ROOT, "web")


def listed(path, pattern):
    """The names pattern finds in the file at path, in order."""
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return re.findall(pattern, f.read())


# the script's files: as src/cli/assets.S concatenates them, as the Makefile
# lists them
SCRIPTS = listed("src/cli/assets.S", r'\.incbin "web/([^"]+\.js)"')
WEB_JS = listed("Makefile", r'\bweb/(\w+\.js)\b')
DATA = re.compile(r'<script type="application/json" id="shmcheck-data">\n'
                  r'(.*?)\n</script>', re.S)
MARKERS = ("/*@STYLE@*/", "/*@SCRIPT@*/", "/*@DATA@*/")
KIND = {"failed_call": 0, "invalid_detach": 1, "lint": 2}


def page(path):
    """The page at path and its data, parsed."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = DATA.search(text)
    return text, (json.loads(m.group(1)) if m else None)


def both(tmp, args):
    """shmcheck --html and --json of one run: the process, the page, its
    data and the JSON report."""
    h, j = os.path.join(tmp, "r.html"), os.path.join(tmp, "r.json")
    p = run(["--html", h, "--json", j] + args)
    text, data = page(h)
    return p, text, data, report(j)


class Html(CliTest):
    def test_page(self):
        """The three parts in, no marker left, the report the same as
        --json's, the lines around the leak's call."""
        with Tmp() as tmp:
            p, text, data, rep = both(tmp, ["--isolate", "--", PROG, "leak"])
        self.expect(p, 23)
        with open(os.path.join(WEB, "report.css"), encoding="utf-8") as f:
            self.assertIn(f.read().strip(), text)
        # the script: web/'s .js files in assets.S's order, each followed by
        # a line break, all of them (and the Makefile's WEB_JS, the same)
        self.assertEqual(sorted(SCRIPTS), sorted(
            n for n in os.listdir(WEB) if n.endswith(".js")))
        self.assertEqual(WEB_JS, SCRIPTS)
        js = ""
        for name in SCRIPTS:
            with open(os.path.join(WEB, name), encoding="utf-8") as f:
                js += f.read() + "\n"
        self.assertIn("<script>\n" + js + "</script>", text)
        for m in MARKERS:
            self.assertNotIn(m, text)
        self.assertEqual(data["report"], rep)
        self.assertEqual(data["errors"], ["leaked_segment", "invalid_detach"])
        tl = data["timeline"]
        self.assertEqual(tl["unit"], "us")
        src = tl["sources"]["0"]
        self.assertTrue(src["file"].endswith("leaky_prog.c"), src)
        self.assertEqual((src["line"], src["frame"], src["first"]),
                         (19, 0, 16))
        self.assertEqual(len(src["lines"]), 7)
        self.assertIn("shmget(IPC_PRIVATE", src["lines"][3])
        seg = [s for s in tl["segments"] if s[7] == 0]
        self.assertEqual(len(seg), 1, tl["segments"])
        self.assertEqual(seg[0][0], rep["findings"][0]["shmid"])
        self.assertTrue(0 <= seg[0][4] <= tl["end"] and seg[0][5:7] == [-1, -1],
                        seg)

    def test_timeline(self):
        """A row per process (the report's, in order) and per shmat; each
        item linked to its finding."""
        n = 200
        with Tmp() as tmp:
            p, text, data, rep = both(tmp, ["--isolate", "--", MANY, str(n),
                                            "findings"])
        self.expect(p, 23)
        self.assertEqual(data["report"], rep)
        tl, kinds = data["timeline"], [f["kind"] for f in rep["findings"]]
        self.assertEqual([r[0] for r in tl["processes"]],
                         [q["pid"] for q in rep["processes"]])
        self.assertEqual(len(tl["processes"]), n + 1)
        self.assertTrue(all(r[2] >= 0 and r[2] <= r[3] <= tl["end"] and
                            r[5] == 1 for r in tl["processes"]), tl["processes"])
        atts = tl["attachments"]
        # 24 a child, child 1's unmatched one, child 100's detached twice
        self.assertEqual(len(atts), n * 24 + 2)
        self.assertTrue(all(0 <= a[3] <= a[4] for a in atts))
        self.assertEqual(len(tl["segments"]), n * 24 + 3)
        ua = [a for a in atts if a[6] >= 0]
        self.assertEqual(len(ua), 1)
        self.assertEqual(kinds[ua[0][6]], "unmatched_attach")
        self.assertEqual((ua[0][0], ua[0][5]),
                         (rep["findings"][ua[0][6]]["pid"], 1))
        self.assertTrue(all(a[5] == 0 for a in atts if a[6] < 0))
        leaks = [s for s in tl["segments"] if s[7] >= 0]
        self.assertEqual([kinds[s[7]] for s in leaks], ["leaked_segment"])
        self.assertEqual(leaks[0][0], rep["findings"][leaks[0][7]]["shmid"])
        gone = [s for s in tl["segments"] if s[5] >= 0]
        self.assertTrue(all(s[4] <= s[5] <= s[6] for s in gone), gone[:3])
        marks = tl["markers"]
        self.assertEqual(len(marks), n + 1)
        for m in marks:
            self.assertEqual(KIND[kinds[m[3]]], m[2])
        times = [m[1] for m in marks]
        self.assertEqual(times, sorted(times))

    def test_script_in_argv(self):
        """"</script>" and "<!--" in an argv: escaped in the data, which
        still says them."""
        evil = "</script><!--<script>"
        with Tmp() as tmp:
            p, text, data, rep = both(tmp, ["--isolate", "--", MANY, "2", evil])
        self.expect(p, 0)
        raw = DATA.search(text).group(1)  # up to the first "</script>"
        self.assertIn("<\\/script>", raw)
        self.assertNotIn("<!--", raw)
        self.assertNotIn("</", raw)
        self.assertEqual(data["report"]["command"][-1], evil)
        self.assertEqual(data["report"], rep)

    def test_replay(self):
        """--replay: the same timeline as the run's, the report the same
        as --replay --json's."""
        with Tmp() as tmp:
            logs = os.path.join(tmp, "logs")
            p, _, live, _ = both(tmp, ["--isolate", "--log-dir", logs, "--",
                                       MANY, "3", "findings"])
            self.expect(p, 23)
            p, _, data, rep = both(tmp, ["--replay", logs])
        self.expect(p, 23)
        self.assertEqual(data["report"], rep)
        for k in ("segments", "attachments", "markers", "end"):
            self.assertEqual(data["timeline"][k], live["timeline"][k], k)

    def test_exec_row(self):
        """A process that execs: its row has the exec's time, within its
        life, and the program it became makes the leaked segment."""
        with Tmp() as tmp:
            p, text, data, rep = both(tmp, [
                "--isolate", "--", "/bin/sh", "-c",
                'exec "$0" leak', PROG])
        self.expect(p, 23)
        tl = data["timeline"]
        rows = [r for r in tl["processes"] if r[4]]
        self.assertEqual(len(rows), 1, tl["processes"])
        pid, _, start, end, execs, _ = rows[0]
        self.assertEqual(len(execs), 1)
        self.assertTrue(start <= execs[0] <= end, rows)
        leaks = [g for g in tl["segments"] if g[7] >= 0]
        self.assertEqual(len(leaks), 1, tl["segments"])
        self.assertEqual(leaks[0][3], pid)
        self.assertGreaterEqual(leaks[0][4], execs[0])

    def test_stdout_and_errors(self):
        """--html - writes to standard output, with the kinds --errors
        made errors; a file that cannot be made is exit status 2; --html
        with no file is bad usage."""
        p = run(["--quiet", "--errors", "failed_call,inherited_unmatched",
                 "--html", "-", "--", MANY, "1"])
        self.expect(p, 23)  # its one failed call is an error now
        m = DATA.search(p.stdout)
        self.assertTrue(p.stdout.startswith("<!DOCTYPE html>") and m,
                        p.stdout[:200])
        data = json.loads(m.group(1))
        self.assertEqual(len(data["timeline"]["processes"]), 2)
        self.assertEqual(data["errors"], ["failed_call",
                                          "inherited_unmatched"])
        p = run(["--html", "/nonexistent/r.html", "--", MANY, "1"])
        self.expect(p, 2, contains=["cannot write '/nonexistent/r.html'"])
        self.usage_error(["--html"], "option '--html' needs an argument")

    def test_thousand_processes(self):
        """1,000 processes, about 100 calls each: a page under 5 MB."""
        with Tmp() as tmp:
            out = os.path.join(tmp, "r.html")
            t = time.monotonic()
            p = run(["--isolate", "--html", out, "--", MANY, "1000"])
            took = time.monotonic() - t
            size = os.path.getsize(out)
            _, data = page(out)
        self.expect(p, 0)
        tl = data["timeline"]
        print("1,000 processes: %d bytes, shmcheck %.1f s; %d attachments, "
              "%d segments, %d markers" % (size, took, len(tl["attachments"]),
                                           len(tl["segments"]),
                                           len(tl["markers"])))
        self.assertEqual(len(tl["processes"]), 1001)
        self.assertEqual(len(tl["attachments"]), 24000)
        self.assertLessEqual(size, 5 * 1024 * 1024)


if __name__ == "__main__":
    main()

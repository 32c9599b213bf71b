#!/usr/bin/env python3
"""test_sarif_github.py - the SARIF log as GitHub code scanning places it:
a leak a program makes through shmcheck's library (linked in) is located
at the program's own call, named relative to the source root
(--source-root, default the current directory) under the uriBaseId
SRCROOT that originalUriBaseIds defines, while the library's frames stay
in the stack as file: URIs; its fingerprint is the same run after run and
differs between two call sites; no placeholder informationUri; every log
valid against the schema (sarif_schema.py); a --source-root that is no
directory, or without --sarif, is bad usage.
Run: SHMC_BUILD_DIR=build python3 tests/cli/test_sarif_github.py
"""
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import (BUILD, SHMCHECK, TRY, CliTest, Tmp, main,  # noqa: E402
                     quiet_gcov, run, sarif_log)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))

# Two leaks through the library, from two lines of the program.
SOURCE = """#include <shmcheck.h>
static void make(void)
{
    struct shmc_segment s;
    (void)shmc_segment_create(IPC_PRIVATE, 4096, 0600, &s); /* FIRST */
}
int main(void)
{
    struct shmc_segment s;
    make();
    return shmc_segment_create(IPC_PRIVATE, 8192, 0600, &s) != SHMC_OK; /* SECOND */
}
"""


def line_of(mark):
    return next(i + 1 for i, l in enumerate(SOURCE.splitlines())
                if mark in l)


class SarifForGitHub(CliTest):
    """--sarif's locations, base URIs and fingerprints."""

    def build(self, tmp):
        src = os.path.join(tmp, "leak.c")
        with open(src, "w") as f:
            f.write(SOURCE)
        exe = os.path.join(tmp, "leak")
        lib = os.path.join(BUILD, "libshmcheck.a")
        # The coverage build's library needs gcov's runtime.
        gcov = "__gcov" in subprocess.run(["nm", lib], capture_output=True,
                                          text=True).stdout
        subprocess.run(["cc", "-g", "-O0", "-I", os.path.join(REPO, "include"),
                        src, "-o", exe, lib] + (["--coverage"] if gcov else []),
                       check=True)
        return exe

    def sarif(self, tmp, exe, root_args, name):
        out = os.path.join(tmp, name)
        p = run(["--isolate", "--sarif", out] + root_args + ["--", exe])
        self.expect(p, 23, contains=["ERROR: leaked segment"])
        return sarif_log(out)

    def test_located_at_the_programs_call(self):
        with Tmp() as tmp:
            exe = self.build(tmp)
            log = self.sarif(tmp, exe, ["--source-root", tmp], "a.sarif")
            again = self.sarif(tmp, exe, ["--source-root", tmp], "b.sarif")
        run0, = log["runs"]
        self.assertNotIn("informationUri", run0["tool"]["driver"])
        self.assertEqual(run0["originalUriBaseIds"],
                         {"SRCROOT": {"uri": "file://%s/" % tmp}})
        results = sorted(run0["results"], key=lambda r: r["locations"][0]
                         ["physicalLocation"]["region"]["startLine"])
        self.assertEqual(len(results), 2)
        for r, mark in zip(results, ("FIRST", "SECOND")):
            pl = r["locations"][0]["physicalLocation"]
            self.assertEqual(pl["artifactLocation"],
                             {"uri": "leak.c", "uriBaseId": "SRCROOT"})
            self.assertEqual(pl["region"]["startLine"], line_of(mark))
            # The library's frames, above, stay in the stack, outside
            # the source root: absolute file: URIs.
            uris = [f["location"]["physicalLocation"].get(
                "artifactLocation", {}).get("uri", "")
                for f in r["stacks"][0]["frames"]]
            self.assertTrue(any(u.startswith("file://") and
                                u.endswith("src/lib/segment.c")
                                for u in uris), uris)
            # The code flow: the same frames, the outermost call first.
            flow = [loc["location"]["physicalLocation"]["address"]
                    for loc in r["codeFlows"][0]["threadFlows"][0]
                    ["locations"]]
            stack = [f["location"]["physicalLocation"]["address"]
                     for f in r["stacks"][0]["frames"]]
            self.assertEqual(flow, stack[::-1])
        prints = [r["partialFingerprints"]["shmcheck/v1"] for r in results]
        self.assertNotEqual(prints[0], prints[1])
        self.assertEqual(sorted(prints), sorted(
            r["partialFingerprints"]["shmcheck/v1"]
            for r in again["runs"][0]["results"]))

    def test_source_root_is_the_current_directory(self):
        with Tmp() as tmp:
            exe = self.build(tmp)
            out = os.path.join(tmp, "c.sarif")
            p = quiet_gcov(subprocess.run(
                [SHMCHECK, "--isolate", "--sarif", out, "--", exe],
                cwd=tmp, capture_output=True, text=True))
            self.expect(p, 23)
            log = sarif_log(out)
        loc = log["runs"][0]["results"][0]["locations"][0]
        self.assertEqual(loc["physicalLocation"]["artifactLocation"]["uri"],
                         "leak.c")

    def test_schema_refuses_what_github_would(self):
        import copy
        import sarif_schema
        with Tmp() as tmp:
            exe = self.build(tmp)
            log = self.sarif(tmp, exe, ["--source-root", tmp], "d.sarif")
        bad = []
        for change in (
                lambda d: d["runs"][0]["results"][0].pop("message"),
                lambda d: d["runs"][0]["results"][0].update(where="x"),
                lambda d: d["runs"][0]["originalUriBaseIds"]["SRCROOT"]
                .update(uri="file:///no/slash"),
                lambda d: d["runs"][0]["results"][0]["locations"][0]
                ["physicalLocation"]["region"].update(startLine=0),
                lambda d: d["runs"][0]["results"][0]["locations"][0]
                ["physicalLocation"]["artifactLocation"]
                .update(uri="file:///abs"),
                lambda d: d["runs"][0]["tool"]["driver"]
                .update(informationUri="not a uri")):
            d = copy.deepcopy(log)
            change(d)
            try:
                sarif_schema.validate(d)
            except AssertionError:
                continue
            bad.append(d)
        self.assertEqual(bad, [])

    def test_source_root_refused(self):
        with Tmp() as tmp:
            afile = os.path.join(tmp, "f")
            open(afile, "w").close()
            out = os.path.join(tmp, "r.sarif")
            for args, why in (
                    (["--source-root", tmp], "--source-root is for the "
                     "SARIF report: no --sarif"),
                    (["--sarif", out, "--source-root", tmp + "/none"],
                     "--source-root: '%s/none' cannot be resolved" % tmp),
                    (["--sarif", out, "--source-root", afile],
                     "--source-root: '%s' is not a directory" % afile)):
                self.expect(run(args + ["--", "/bin/true"]), 2,
                            "shmcheck: %s\n%s" % (why, TRY))
            self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    main()

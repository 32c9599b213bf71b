#!/usr/bin/env python3
"""test_asan.py - programs built with -fsanitize=address run under
shmcheck: gcc links the shared ASan runtime (libasan.so), which aborts
("ASan runtime does not come first") when a preloaded library comes
before it, so shmcheck gives such a program verify_asan_link_order=0
after the user's ASAN_OPTIONS (src/cli/exec.c, src/cli/elfdeps.c); clang
links the runtime into the program, which needs nothing. Each program
leaks a segment (in the private namespace of --isolate), which must be
reported with its stack, while ASan still finds its own errors. A
compiler that is missing, or cannot build with ASan, skips its tests.
Run: SHMC_BUILD_DIR=build python3 tests/cli/test_asan.py
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import CliTest, Tmp, main, run  # noqa: E402

SOURCE = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char **argv)
{
    const char *opts = getenv("ASAN_OPTIONS");
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    char *p = shmat(id, NULL, 0), *volatile q;

    if (id < 0 || p == (char *)-1)
        return 3;
    shmdt(p);
    printf("ASAN_OPTIONS=%s\n", opts ? opts : "(unset)");
    fflush(stdout);
    if (argc > 1 && strcmp(argv[1], "uaf") == 0) {
        q = malloc(8);
        free(q);
        return q[1];
    }
    return 0; /* the segment is left: a leak */
}
"""

BUILT = {}


def build(cc):
    """The test program built by cc -fsanitize=address, or None."""
    if cc not in BUILT:
        BUILT[cc] = None
        if shutil.which(cc):
            d = tempfile.mkdtemp(prefix="shmc-asan-")
            src = os.path.join(d, "leak.c")
            with open(src, "w") as f:
                f.write(SOURCE)
            out = os.path.join(d, "leak-" + cc)
            if subprocess.run([cc, "-g", "-fsanitize=address", "-o", out,
                               src], capture_output=True).returncode == 0:
                BUILT[cc] = out
    return BUILT[cc]


class Asan(CliTest):
    """ASan programs under the tracer."""

    def program(self, cc):
        prog = build(cc)
        if prog is None:
            self.skipTest("%s cannot build with -fsanitize=address" % cc)
        return prog

    def leak_reported(self, prog, env_opts, want_opts):
        env = dict(os.environ)
        env.pop("ASAN_OPTIONS", None)
        if env_opts is not None:
            env["ASAN_OPTIONS"] = env_opts
        with Tmp() as tmp:
            out = os.path.join(tmp, "r.json")
            p = run(["--isolate", "--json", out, "--", prog], env=env)
            with open(out) as f:
                r = json.load(f)
        self.expect(p, 23)
        self.assertNotIn("does not come first", p.stderr)
        self.assertEqual(p.stdout, "ASAN_OPTIONS=%s\n" % want_opts)
        self.assertEqual(r["exit"], {"status": 0}, json.dumps(r["exit"]))
        leaks = [f for f in r["findings"] if f["kind"] == "leaked_segment"]
        self.assertTrue(len(leaks) == 1 and leaks[0]["seen_by"] == "tracer"
                        and leaks[0]["stack"][0]["function"] == "main",
                        json.dumps(r["findings"]))

    def asan_still_works(self, prog):
        p = run(["--isolate", "--quiet", "--errors", "none", "--", prog,
                 "uaf"])
        self.expect(p, 1, contains=["ERROR: AddressSanitizer: "
                                    "heap-use-after-free"])

    def test_gcc_shared_runtime(self):
        prog = self.program("gcc")
        self.leak_reported(prog, None, "verify_asan_link_order=0")
        self.leak_reported(prog, "detect_leaks=0",
                           "detect_leaks=0:verify_asan_link_order=0")
        self.asan_still_works(prog)

    def test_gcc_user_choice_is_kept(self):
        prog = self.program("gcc")
        env = dict(os.environ, ASAN_OPTIONS="verify_asan_link_order=1")
        p = run(["--isolate", "--quiet", "--errors", "none", "--", prog],
                env=env)
        self.expect(p, 1, contains=["ASan runtime does not come first"])

    def test_clang_static_runtime(self):
        prog = self.program("clang-14")
        self.leak_reported(prog, None, "(unset)")
        self.leak_reported(prog, "detect_leaks=0", "detect_leaks=0")
        self.asan_still_works(prog)

    def test_other_programs_keep_their_environment(self):
        env = dict(os.environ)
        env.pop("ASAN_OPTIONS", None)
        p = run(["--quiet", "--", "sh", "-c", "echo ${ASAN_OPTIONS-unset}"],
                env=env)
        self.expect(p, 0, "")
        self.assertEqual(p.stdout, "unset\n")


if __name__ == "__main__":
    try:
        main()
    finally:
        for prog in BUILT.values():
            if prog:
                shutil.rmtree(os.path.dirname(prog))

#!/usr/bin/env python3
"""test_cov3_nosym.py - a symbolizer that cannot start because libdw.so.1
cannot be loaded (here: a file of that name that is no library, first on
LD_LIBRARY_PATH) is a warning of the report, whose stacks stay as
module+offset; the findings are reported all the same.
Run: SHMC_BUILD_DIR=build python3 tests/cli/test_cov3_nosym.py
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import PROG, CliTest, Tmp, main, run  # noqa: E402

WARNING = ("cannot start the symbolizer: libdw.so.1 (elfutils, Debian's "
           "libdw1) cannot be loaded; stacks stay as module+offset")


class NoLibdw(CliTest):
    def test_libdw_cannot_be_loaded(self):
        with Tmp() as tmp:
            logs, libs = os.path.join(tmp, "logs"), os.path.join(tmp, "lib")
            os.mkdir(libs)
            with open(os.path.join(libs, "libdw.so.1"), "w") as f:
                f.write("no library\n")
            self.expect(run(["-q", "--log-dir", logs, "--isolate", "--",
                             PROG, "double_detach"]), 23)
            env = dict(os.environ, LD_LIBRARY_PATH=libs)
            p = run(["-q", "--replay", logs, "--json", "-"], env=env)
            whole = run(["-q", "--replay", logs, "--json", "-"])
        self.expect(p, 23)
        r, w = json.loads(p.stdout), json.loads(whole.stdout)
        self.assertIn(WARNING, r["warnings"])
        self.assertNotIn(WARNING, w["warnings"])
        self.assertEqual(len(r["findings"]), len(w["findings"]))
        self.assertGreater(len(r["findings"]), 0)
        frames = [fr for f in r["findings"] for fr in f.get("stack", [])]
        self.assertGreater(len(frames), 0)
        self.assertTrue(all(fr["function"] is None and fr["module"]
                            for fr in frames), frames)
        named = [fr for f in w["findings"] for fr in f.get("stack", [])
                 if fr["function"]]
        self.assertGreater(len(named), 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""test_exec.py - how shmcheck starts the program (src/cli/exec.c): a
file the kernel cannot run (random bytes, an ELF file of another machine,
a script without a #! line) is reported as "Exec format error" with exit
status 126, never run through /bin/sh; scripts with a #! line run; a name
without '/' is looked up in PATH as execvp does (a directory whose file
may not be run is passed over; a file the kernel refuses stops the
search), with 127 when nothing is found and 126 for a file that is there
but may not be run.
Run: SHMC_BUILD_DIR=build python3 tests/cli/test_exec.py
"""
import os
import platform
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import CliTest, Tmp, main, run  # noqa: E402

EM_X86_64, EM_AARCH64 = 62, 183


def write(path, data, mode=0o755):
    """A file at path holding data (bytes or text), with mode."""
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.chmod(path, mode)
    return path


def foreign_elf():
    """A 64-bit little-endian ELF executable header for a machine that is
    not this one: the kernel refuses it with ENOEXEC."""
    machine = EM_AARCH64 if platform.machine() != "aarch64" else EM_X86_64
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    # e_type ET_EXEC, e_machine, e_version, e_entry, e_phoff, e_shoff,
    # e_flags, e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum,
    # e_shstrndx
    return ident + struct.pack("<HHIQQQIHHHHHH", 2, machine, 1, 0x400000,
                               0, 0, 0, 64, 56, 0, 64, 0, 0)


def cannot_run(prog, why):
    return "shmcheck: cannot run '%s': %s\n" % (prog, why)


class Exec(CliTest):
    """What the kernel cannot run is reported, not run by a shell."""

    def test_random_bytes(self):
        with Tmp() as tmp:
            prog = write(os.path.join(tmp, "random"),
                         b"\x01`(\xfe\x02 ;)|\n" + os.urandom(200))
            p = run(["--quiet", "--", prog, "arg"])
        self.expect(p, 126, cannot_run(prog, "Exec format error"))

    def test_another_architecture(self):
        with Tmp() as tmp:
            prog = write(os.path.join(tmp, "foreign"), foreign_elf())
            p = run(["--quiet", "--", prog])
        self.expect(p, 126, cannot_run(prog, "Exec format error"))

    def test_script_without_hash_bang(self):
        with Tmp() as tmp:
            prog = write(os.path.join(tmp, "plain"), "echo ran; exit 5\n")
            p = run(["--quiet", "--", prog])
        self.expect(p, 126, cannot_run(prog, "Exec format error"))
        self.assertEqual(p.stdout, "")

    def test_script_with_hash_bang_runs(self):
        with Tmp() as tmp:
            prog = write(os.path.join(tmp, "script"),
                         '#!/bin/sh\necho "ran $*"; exit 6\n')
            p = run(["--quiet", "--", prog, "a", "b"])
        self.expect(p, 6, "")
        self.assertEqual(p.stdout, "ran a b\n")


class Path(CliTest):
    """A name without '/' is looked up in PATH as execvp does."""

    def run_in(self, path, args, cwd=None):
        env = dict(os.environ, PATH=path)
        return run(["--quiet", "--"] + args, env=env, cwd=cwd)

    def test_found_in_path(self):
        with Tmp() as tmp:
            a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
            os.mkdir(a)
            os.mkdir(b)
            write(os.path.join(b, "prog"), '#!/bin/sh\necho "b $1"\n')
            found = self.run_in("%s:%s:/bin:/usr/bin" % (a, b),
                                ["prog", "x"])
            # One that may not be run is passed over, as execvp does.
            write(os.path.join(a, "prog"), "#!/bin/sh\necho a\n", 0o644)
            passed = self.run_in("%s:%s" % (a, b), ["prog", "y"])
            # An empty entry is the current directory.
            cwd = self.run_in(":/nonexistent", ["prog", "z"], cwd=b)
        self.expect(found, 0, "")
        self.assertEqual(found.stdout, "b x\n")
        self.expect(passed, 0, "")
        self.assertEqual(passed.stdout, "b y\n")
        self.expect(cwd, 0, "")
        self.assertEqual(cwd.stdout, "b z\n")

    def test_what_the_kernel_refuses_stops_the_search(self):
        with Tmp() as tmp:
            a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
            os.mkdir(a)
            os.mkdir(b)
            write(os.path.join(a, "prog"), foreign_elf())
            write(os.path.join(b, "prog"), "#!/bin/sh\necho b\n")
            p = self.run_in("%s:%s" % (a, b), ["prog"])
            write(os.path.join(a, "prog"), "exit 7\n")
            plain = self.run_in("%s:%s" % (a, b), ["prog"])
        self.expect(p, 126, cannot_run("prog", "Exec format error"))
        self.expect(plain, 126, cannot_run("prog", "Exec format error"))
        self.assertEqual(p.stdout + plain.stdout, "")

    def test_not_found_and_not_runnable(self):
        with Tmp() as tmp:
            write(os.path.join(tmp, "prog"), "#!/bin/sh\n", 0o644)
            missing = self.run_in(tmp, ["nothere"])
            denied = self.run_in("/nonexistent:" + tmp, ["prog"])
            empty = self.run_in(tmp, [""])
        self.expect(missing, 127,
                    cannot_run("nothere", "No such file or directory"))
        self.expect(denied, 126, cannot_run("prog", "Permission denied"))
        self.expect(empty, 127, cannot_run("", "No such file or directory"))

    def test_default_path_without_path(self):
        env = {k: v for k, v in os.environ.items() if k != "PATH"}
        p = run(["--quiet", "--", "sh", "-c", "echo default"], env=env)
        self.expect(p, 0, "")
        self.assertEqual(p.stdout, "default\n")


if __name__ == "__main__":
    main()

"""lossy.py N [keep] - a traced program for tests/cli/test_lost_records.py:
creates a private segment, attaches it, calls shmctl(IPC_STAT) N times (a
journal record each), then detaches and removes it (unless keep), prints
"hi" and exits 3. The calls go through the tracer: ctypes looks them up
in the global scope, where LD_PRELOAD's definitions come first.
"""
import ctypes
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.shmdt.argtypes = [ctypes.c_void_p]
IPC_PRIVATE, IPC_CREAT, IPC_RMID, IPC_STAT = 0, 0o1000, 0, 2

shmid = libc.shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0o600)
addr = libc.shmat(shmid, None, 0)
buf = ctypes.create_string_buffer(512)  # struct shmid_ds is smaller
for _ in range(int(sys.argv[1])):
    libc.shmctl(shmid, IPC_STAT, buf)
if sys.argv[2:] != ["keep"]:
    libc.shmdt(addr)
    libc.shmctl(shmid, IPC_RMID, None)
print("hi")
sys.exit(3)

#!/bin/sh
# ci/run-ipcns.sh CMD [ARGS...] - run CMD in a private IPC namespace and
# fail if it leaves a System V segment there.
#
# Root uses unshare --ipc; others try a user namespace (--map-root-user).
# Where neither works, CMD runs on the host and the segments it left are
# found by comparing /proc/sysvipc/shm before and after.
# Exit status: CMD's, or 3 when segments were left.
set -u

if unshare --ipc true 2>/dev/null; then
    ns="unshare --ipc"
elif unshare --ipc --map-root-user true 2>/dev/null; then
    ns="unshare --ipc --map-root-user"
else
    ns=""
fi

# The check runs inside the namespace, after CMD, as the last thing in it.
check='rc=$?; left=$(awk "NR>1" /proc/sysvipc/shm | wc -l)
if [ "$left" -ne 0 ]; then
    echo "run-ipcns: $1 left $left System V segment(s):" >&2
    cat /proc/sysvipc/shm >&2
    [ "$rc" -eq 0 ] && rc=3
fi
exit $rc'

if [ -n "$ns" ]; then
    exec $ns sh -c "\"\$@\"; $check" run-ipcns "$@"
fi

echo "run-ipcns: no private IPC namespace here; checking the host instead" >&2
tmp=$(mktemp) || exit 1
awk 'NR>1 {print $2}' /proc/sysvipc/shm | sort > "$tmp"
"$@"
rc=$?
new=$(awk 'NR>1 {print $2}' /proc/sysvipc/shm | sort | comm -13 "$tmp" -)
rm -f "$tmp"
if [ -n "$new" ]; then
    echo "run-ipcns: $1 left System V segment(s) with ids:" $new >&2
    [ "$rc" -eq 0 ] && rc=3
fi
exit $rc

#!/bin/sh
# examples/demo.sh BUILD_DIR - run the classic exercises one after the other
# and show that they leave no System V segment behind; then shmcheck on
# the first one, and on a variant that forgets IPC_RMID.
set -eu
build=${1:-build}
bin=$build/examples
segments() { awk 'NR>1' /proc/sysvipc/shm | wc -l; }
before=$(segments)
file=$(mktemp)
fifo=$(mktemp -u)
trap 'rm -f "$file" "$fifo"' EXIT

echo "== 1. children report through shared memory (children_report 5)"
"$bin/children_report" 5

echo "== 2. the child writes, the parent reads after wait (child_writes)"
"$bin/child_writes"

echo "== 3. two unrelated processes meet through ftok(\"$file\") (meet_by_key)"
mkfifo "$fifo"
"$bin/meet_by_key" create "$file" >"$fifo" &
creator=$!
exec 3<"$fifo"
read -r ready <&3
echo "creator: $ready"
"$bin/meet_by_key" join "$file"
cat <&3
wait "$creator"

echo "== 4. two builds disagree on struct counters' layout (layout_v1, layout_v2)"
"$bin/layout_v1" create "$file"
"$bin/layout_v1" hit "$file"
if "$bin/layout_v2" hit "$file"; then
    echo "demo: layout_v2 was not refused" >&2
    exit 1
fi
"$bin/layout_v1" remove "$file"

echo "== 5. shmcheck --isolate -- children_report 5 (clean: exit status 0)"
"$build/shmcheck" --isolate -- "$bin/children_report" 5

echo "== 6. shmcheck --isolate -- children_report_leaky 5 (forgets IPC_RMID)"
status=0
"$build/shmcheck" --isolate -- "$bin/children_report_leaky" 5 || status=$?
echo "shmcheck exit status: $status (23: errors found)"
[ "$status" -eq 23 ]

after=$(segments)
echo "== System V segments on this machine: $before before, $after after"
[ "$before" -eq "$after" ]

#!/bin/sh
# test_install.sh BUILD_DIR - make install into a DESTDIR, build a program
# against the installed copy through pkg-config (shared and static), run
# both, read the man page, then make uninstall and check nothing is left.
# Then a Debian layout (PREFIX=/usr, a multiarch LIBDIR) staged under a
# DESTDIR: the .pc file's conventions, a man page for every public
# function, a program built through pkg-config, and the installed CLI,
# moved elsewhere whole, finding its own tracer and reporting a leak.
# The installs build in a directory of their own: the CLI they build knows
# the install's directories, which the tests' build must not take on.
set -eu
b=${1:-build}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
prefix=/opt/shmcheck-test
pb=$root/build

fail() { echo "test_install.sh: $*" >&2; exit 1; }

make --no-print-directory -s -j"$(nproc)" B="$pb" install DESTDIR="$root" \
    PREFIX="$prefix" >/dev/null
for f in lib/libshmcheck.a lib/libshmcheck.so lib/libshmcheck.so.0 \
    include/shmcheck.h lib/pkgconfig/shmcheck.pc share/man/man3/shmcheck.3 \
    bin/shmcheck lib/libshmcheck-trace.so share/man/man1/shmcheck.1; do
    [ -e "$root$prefix/$f" ] || fail "missing $prefix/$f"
done

cat >"$root/use.c" <<'C'
#include <shmcheck.h>
#include <stdio.h>
int main(void)
{
    struct shmc_segment s;
    SHMC_AUTO_RELEASE struct shmc_attachment a = {0};
    if (shmc_segment_create(IPC_PRIVATE, 100, 0600, &s) != SHMC_OK ||
        shmc_attach(&s, NULL, 0, &a) != SHMC_OK)
        return 1;
    puts(shmc_errname(SHMC_E_TYPED_LAYOUT));
    return 0;
}
C
export PKG_CONFIG_PATH="$root$prefix/lib/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$root"
# The version is defined once, in include/shmcheck.h (as the Makefile reads it).
version=$(for part in MAJOR MINOR PATCH; do
    sed -n "s/^#define SHMC_VERSION_$part \([0-9]*\)\$/\1/p" include/shmcheck.h
done | paste -sd.)
got=$(pkg-config --modversion shmcheck)
[ "$got" = "$version" ] ||
    fail "pkg-config version $got differs from include/shmcheck.h's $version"
for page in man1/shmcheck.1 man3/shmcheck.3; do
    head -n 1 "$root$prefix/share/man/$page" | grep -qF "\"shmcheck $version\"" ||
        fail "installed $page does not name version $version"
done
[ "$("$root$prefix/bin/shmcheck" --version)" = "shmcheck $version" ] ||
    fail "shmcheck --version differs from include/shmcheck.h's $version"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Werror $(pkg-config --cflags shmcheck) "$root/use.c" \
    -o "$root/use-shared" $(pkg-config --libs shmcheck)
cc -std=c11 -Wall -Werror $(pkg-config --cflags shmcheck) "$root/use.c" \
    -o "$root/use-static" "$root$prefix/lib/libshmcheck.a"
out=$(LD_LIBRARY_PATH="$root$prefix/lib" "$root/use-shared")
[ "$out" = SHMC_E_TYPED_LAYOUT ] || fail "shared build printed '$out'"
out=$("$root/use-static")
[ "$out" = SHMC_E_TYPED_LAYOUT ] || fail "static build printed '$out'"
[ "$(awk 'NR>1' /proc/sysvipc/shm | wc -l)" -eq 0 ] || fail "segment left"

# The leak check from an installed harness, shared and static, with the
# installed tracer preloaded: the leak reported with its stack and the
# check's call site, removed, and abort().
cat >"$root/leak.c" <<'C'
#include <shmcheck.h>
#include <sys/shm.h>
int main(void)
{
    SHMC_LEAK_CHECK(); /* nothing yet: returns */
    shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    SHMC_LEAK_CHECK(); /* line 7 */
    return 0;
}
C
# shellcheck disable=SC2046
cc -std=c11 -Wall -Werror $(pkg-config --cflags shmcheck) "$root/leak.c" \
    -o "$root/leak-shared" $(pkg-config --libs shmcheck)
cc -std=c11 -Wall -Werror $(pkg-config --cflags shmcheck) "$root/leak.c" \
    -o "$root/leak-static" "$root$prefix/lib/libshmcheck.a"
for kind in shared static; do
    rc=0
    LD_LIBRARY_PATH="$root$prefix/lib" \
        LD_PRELOAD="$root$prefix/lib/libshmcheck-trace.so" \
        SHMCHECK_REPORT=none "$root/leak-$kind" 2>"$root/leak.err" || rc=$?
    [ "$rc" -eq 134 ] || fail "leak check ($kind) exited $rc, not by SIGABRT"
    grep -q 'ERROR: shmcheck: leaked segment: .* 4096 bytes' "$root/leak.err" &&
        grep -q '     #0 0x' "$root/leak.err" &&
        grep -q 'found by the leak check at .*leak.c:7 in main()' \
            "$root/leak.err" ||
        fail "leak check ($kind) report: $(cat "$root/leak.err")"
    [ "$(awk 'NR>1' /proc/sysvipc/shm | wc -l)" -eq 0 ] ||
        fail "leak check ($kind) left its segment"
done

# Only shmc_* is exported from the shared library.
bad=$(nm -D --defined-only "$root$prefix/lib/libshmcheck.so" |
    awk '$2 == "T" && $3 !~ /^shmc_[a-z]/ {print $3}')
[ -z "$bad" ] || fail "exports outside the API: $bad"

if command -v man >/dev/null 2>&1; then
    man -l "$root$prefix/share/man/man3/shmcheck.3" 2>&1 | grep -q shmc_attach ||
        fail "man page does not render"
fi

# The installed CLI finds the installed tracer (../lib from bin/).
"$root$prefix/bin/shmcheck" --isolate -q -- /bin/true ||
    fail "installed shmcheck does not run"

make --no-print-directory -s B="$pb" uninstall DESTDIR="$root" PREFIX="$prefix"
left=$(find "$root$prefix" -type f -o -type l)
[ -z "$left" ] || fail "left after uninstall: $left"

# A Debian layout, staged.
triplet=$(cc -print-multiarch 2>/dev/null || true)
[ -n "$triplet" ] || triplet=$(uname -m)-linux-gnu
lib=/usr/lib/$triplet
stage=$root/stage
make --no-print-directory -s -j"$(nproc)" B="$pb" install DESTDIR="$stage" \
    PREFIX=/usr LIBDIR="$lib" >/dev/null
for f in /usr/bin/shmcheck "$lib/libshmcheck-trace.so" "$lib/libshmcheck.so" \
    "$lib/libshmcheck.a" "$lib/pkgconfig/shmcheck.pc" /usr/include/shmcheck.h \
    /usr/share/man/man1/shmcheck.1 /usr/share/man/man3/shmcheck.3; do
    [ -e "$stage$f" ] || fail "multiarch: missing $f"
done
pc=$stage$lib/pkgconfig/shmcheck.pc
for line in 'prefix=/usr' 'exec_prefix=${prefix}' \
    "libdir=\${exec_prefix}/lib/$triplet" 'includedir=${prefix}/include'; do
    grep -qxF "$line" "$pc" || fail "shmcheck.pc lacks '$line'"
done
export PKG_CONFIG_PATH="$stage$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage"
libs=$(pkg-config --libs shmcheck | sed 's/ *$//')
[ "$libs" = "-L$stage$lib -lshmcheck" ] || fail "pkg-config --libs: $libs"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Werror $(pkg-config --cflags shmcheck) "$root/use.c" \
    -o "$root/use-multiarch" $(pkg-config --libs shmcheck)
out=$(LD_LIBRARY_PATH="$stage$lib" "$root/use-multiarch")
[ "$out" = SHMC_E_TYPED_LAYOUT ] || fail "multiarch build printed '$out'"

# A manual page for every function the library exports, named in NAME.
man3=$stage/usr/share/man/man3
names=$(sed -n '/^\.SH NAME/,/^\.SH SYNOPSIS/p' "$man3/shmcheck.3" | tr -s ', ' '\n')
for f in $(nm -D --defined-only "$stage$lib/libshmcheck.so" |
    awk '$2 == "T" {sub(/@.*/, "", $3); print $3}'); do
    [ "$(cat "$man3/$f.3" 2>/dev/null)" = ".so man3/shmcheck.3" ] ||
        fail "no manual page named $f"
    printf '%s\n' "$names" | grep -qx "$f" || fail "NAME does not list $f"
    if command -v man >/dev/null 2>&1; then
        man -M "$stage/usr/share/man" -w "$f" | grep -q 'man3/shmcheck\.3' ||
            fail "man $f finds no page"
    fi
done

# Moved whole, the CLI finds its tracer as LIBDIR is to BINDIR, runs a
# leaking program and reports the leak with its line.
mv "$stage" "$root/moved"
set +e
"$root/moved/usr/bin/shmcheck" --isolate -- "$b/tests/cli/helpers/leaky_prog" \
    leak >/dev/null 2>"$root/report"
status=$?
set -e
[ "$status" -eq 23 ] || fail "installed shmcheck exited $status: $(cat "$root/report")"
grep -q 'ERROR: leaked segment' "$root/report" ||
    fail "no leak reported: $(cat "$root/report")"
grep -q 'leaky_prog\.c:[0-9]' "$root/report" ||
    fail "the leak has no source line: $(cat "$root/report")"
echo "test_install.sh: install, pkg-config, shared and static use, uninstall;" \
    "a multiarch staged install, its man pages and its CLI: ok"

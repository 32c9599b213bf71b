/*
 * shmcheck.h - the hardened System V shared memory library (libshmcheck).
 *
 * Every call validates its arguments before the kernel sees them and reports
 * a failure as an enum shmc_err with a message (shmc_strerror) that says what
 * was wrong and what is allowed. errno is set on every failure: to the
 * kernel's value when the kernel refused, to EINVAL when the library did.
 * A failed call changes nothing and leaves its out-parameters untouched,
 * unless its contract says otherwise. The library never prints, aborts or
 * exits, except the leak check of section 9, whose purpose is to report
 * and abort. Its global state: the cached kernel limits, and the leak
 * check's own (the time the process started, the children it forked).
 *
 * Contents
 *   1. errors           enum shmc_err, shmc_strerror, shmc_errname
 *   2. limits           shmc_limits
 *   3. validator        shmc_validate_*   (pure: no system calls)
 *   4. keys             shmc_key_from_path
 *   5. segments         shmc_segment_create/open/create_or_open/stat/remove
 *   6. attachments      shmc_attach, shmc_detach, shmc_release
 *   7. typed segments   SHMC_TYPED, SHMC_TYPED_FIELDS, shmc_typed_*
 *   8. scoped cleanup   SHMC_AUTO_DETACH, SHMC_AUTO_RELEASE, SHMC_AUTO_TYPED
 *   9. leak check       SHMC_LEAK_CHECK, shmc_leak_check_recoverable,
 *                       shmc_leak_check_reset   (for fuzz harnesses)
 */
#ifndef SHMCHECK_H
#define SHMCHECK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/ipc.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The project's version, defined here only: the Makefile reads these three
 * lines for the shared library's name, the .pc file and the man pages. */
#define SHMC_VERSION_MAJOR 0
#define SHMC_VERSION_MINOR 1
#define SHMC_VERSION_PATCH 0
#define SHMC__STRINGIFY(x) #x
#define SHMC__VERSION(a, b, c) \
    SHMC__STRINGIFY(a) "." SHMC__STRINGIFY(b) "." SHMC__STRINGIFY(c)
#define SHMC_VERSION_STRING \
    SHMC__VERSION(SHMC_VERSION_MAJOR, SHMC_VERSION_MINOR, SHMC_VERSION_PATCH)

/* ------------------------------------------------------------------ */
/* 1. Errors                                                          */
/* ------------------------------------------------------------------ */

// clang-format off
/* X(name, message): one row per error; the enum and shmc_strerror both
 * come from this table, so a code cannot exist without its message. */
#define SHMC_ERRORS(X)                                                        \
    X(SHMC_OK, "success")                                                     \
    X(SHMC_E_NULL, "a required pointer argument is NULL")                     \
    X(SHMC_E_KEY_FTOK_FAILED,                                                 \
      "key is (key_t)-1, the value ftok() returns on failure (rarely a real " \
      "key that collides with it: use another project number); check "       \
      "ftok's result or use shmc_key_from_path()")                                   \
    X(SHMC_E_PROJ_RANGE,                                                      \
      "ftok project number must be 1..255: ftok uses only its low 8 bits "    \
      "and 0 is reserved")                                                    \
    X(SHMC_E_PATH_MISSING, "ftok path does not exist; it must name an "       \
      "existing file")                                                        \
    X(SHMC_E_PATH_ACCESS, "ftok path is not readable by this process")        \
    X(SHMC_E_PATH_INVALID, "ftok path is malformed (too long, a symlink "     \
      "loop, or a file used as a directory)")                                 \
    X(SHMC_E_SIZE_ZERO, "size is 0 (below SHMMIN): creating a segment "       \
      "needs at least SHMMIN (1) byte")                                                      \
    X(SHMC_E_SIZE_TOO_BIG, "size exceeds SHMMAX (/proc/sys/kernel/shmmax) "   \
      "or PTRDIFF_MAX; allowed: 1..min(SHMMAX, PTRDIFF_MAX)")                 \
    X(SHMC_E_GET_FLAGS_UNKNOWN,                                               \
      "shmget flags contain bits the kernel ignores; allowed: mode 0..0777, " \
      "IPC_CREAT, IPC_EXCL, SHM_HUGETLB with a SHM_HUGE_* size, "             \
      "SHM_NORESERVE")                                                        \
    X(SHMC_E_GET_EXCL_WITHOUT_CREAT,                                          \
      "IPC_EXCL without IPC_CREAT is ignored by the kernel; pass "            \
      "IPC_CREAT|IPC_EXCL to create exclusively")                             \
    X(SHMC_E_GET_HUGE_WITHOUT_HUGETLB,                                        \
      "a SHM_HUGE_* page size is given without SHM_HUGETLB")                  \
    X(SHMC_E_GET_HUGE_SIZE_UNKNOWN,                                           \
      "the SHM_HUGE_* page size is not one the kernel defines (64KB, 512KB, " \
      "1MB, 2MB, 8MB, 16MB, 32MB, 256MB, 512MB, 1GB, 2GB, 16GB)")             \
    X(SHMC_E_OPEN_FLAGS,                                                      \
      "opening an existing segment takes only access mode bits 0..0777; "     \
      "IPC_CREAT, IPC_EXCL, SHM_HUGETLB and SHM_NORESERVE belong to "         \
      "creation")                                                             \
    X(SHMC_E_OPEN_PRIVATE,                                                    \
      "IPC_PRIVATE names no existing segment: it always creates a new one")   \
    X(SHMC_E_ID_NEGATIVE, "segment id is negative; ids come from shmget()")   \
    X(SHMC_E_AT_FLAGS_UNKNOWN,                                                \
      "shmat flags contain bits the kernel ignores; allowed: SHM_RDONLY, "    \
      "SHM_RND, SHM_EXEC, SHM_REMAP")                                         \
    X(SHMC_E_AT_ADDR_UNALIGNED,                                               \
      "attach address is not a multiple of SHMLBA; align it or pass SHM_RND") \
    X(SHMC_E_AT_ADDR_LOW,                                                     \
      "attach address lies in the first SHMLBA bytes (it would map page 0); " \
      "pass NULL to let the kernel choose")                                   \
    X(SHMC_E_AT_ADDR_RANGE,                                                   \
      "attach address (or the segment mapped there) is outside the user "     \
      "address space")                    \
    X(SHMC_E_AT_REMAP_NULL, "SHM_REMAP needs a non-NULL attach address")      \
    X(SHMC_E_DT_ADDR,                                                         \
      "detach address is NULL or not page-aligned, so it cannot be the "      \
      "start of an attachment")                                               \
    X(SHMC_E_CTL_CMD_UNKNOWN,                                                 \
      "unknown shmctl command; allowed: IPC_STAT, IPC_SET, IPC_RMID, "        \
      "IPC_INFO, SHM_INFO, SHM_STAT, SHM_STAT_ANY, SHM_LOCK, SHM_UNLOCK")     \
    X(SHMC_E_CTL_BUF_NULL,                                                    \
      "this shmctl command reads or fills a buffer and needs a non-NULL one") \
    X(SHMC_E_CTL_SET_MODE,                                                    \
      "IPC_SET mode has bits outside 0777, which the kernel ignores")         \
    X(SHMC_E_CTL_SET_OWNER,                                                   \
      "IPC_SET owner uid or gid is -1, which the kernel refuses (EINVAL)")    \
    X(SHMC_E_HANDLE_INVALID,                                                  \
      "handle was not filled by a successful shmcheck call, or is corrupt")   \
    X(SHMC_E_ALREADY_DETACHED,                                                \
      "attachment was already detached through this handle (double detach)")  \
    X(SHMC_E_EXISTS,                                                          \
      "a segment with this key already exists (IPC_CREAT|IPC_EXCL)")          \
    X(SHMC_E_NOT_FOUND, "no segment with this key exists")                    \
    X(SHMC_E_TOO_SMALL,                                                       \
      "the existing segment is smaller than the requested size")              \
    X(SHMC_E_PERMISSION,                                                      \
      "permission denied by the segment's mode or ownership")                 \
    X(SHMC_E_NO_MEMORY,                                                       \
      "the kernel could not allocate memory or address space (ENOMEM)")       \
    X(SHMC_E_NO_SPACE,                                                        \
      "a system-wide limit is reached: SHMMNI segments or SHMALL pages")      \
    X(SHMC_E_REMOVED, "the segment no longer exists (removed)")               \
    X(SHMC_E_TOO_MANY,                                                        \
      "a per-process limit on attachments or files is reached (EMFILE)")      \
    X(SHMC_E_KERNEL_INVALID,                                                  \
      "the kernel refused the arguments (EINVAL) although they passed "       \
      "validation, e.g. an attach address overlapping another mapping")       \
    X(SHMC_E_RACE,                                                            \
      "create-or-open gave up: the segment was removed between create and "   \
      "open on every retry")                                                  \
    X(SHMC_E_SYSTEM, "a system call failed; see errno")                       \
    X(SHMC_E_LAYOUT_INVALID,                                                  \
      "layout descriptor is invalid: size 0, alignment not a power of two, "  \
      "empty name, or a field outside the type")                              \
    X(SHMC_E_TYPED_NOT_TYPED,                                                 \
      "segment has no shmcheck typed header (wrong magic)")                   \
    X(SHMC_E_TYPED_VERSION,                                                   \
      "typed header format version is not supported by this build")          \
    X(SHMC_E_TYPED_LAYOUT,                                                    \
      "layout mismatch: the segment was created for a different type name, "  \
      "size, alignment or field layout")                                      \
    X(SHMC_E_TYPED_TRUNCATED,                                                 \
      "segment is smaller than its typed header says it is")                  \
    X(SHMC_E_TYPED_NOT_READY,                                                 \
      "the typed segment's creator has not finished initialising it")

// clang-format on
#define SHMC__ENUM_ROW(name, msg) name,
/* Error codes. SHMC_OK is 0; every other value is a failure. */
enum shmc_err { SHMC_ERRORS(SHMC__ENUM_ROW) SHMC_ERR_COUNT };
#undef SHMC__ENUM_ROW

/* Message for err: what was wrong and what is allowed. Never NULL; an
 * out-of-range value gives "unknown shmcheck error". */
const char *shmc_strerror(enum shmc_err err);

/* The code's name as written here ("SHMC_E_EXISTS"), or "SHMC_E_?" when out
 * of range. Never NULL. */
const char *shmc_errname(enum shmc_err err);

/* Writes "'subject': message (errno text)" into buf (always NUL-terminated
 * when len > 0), for errors that concern a named thing such as an ftok
 * path. subject may be NULL; saved_errno 0 omits the errno part. Returns
 * the length the full message needs, as snprintf does. */
size_t shmc_format_error(char *buf, size_t len, enum shmc_err err,
                         int saved_errno, const char *subject);

/* ------------------------------------------------------------------ */
/* 2. Limits                                                          */
/* ------------------------------------------------------------------ */

struct shmc_limits {
    size_t shmmin;        /* smallest segment: 1 on Linux                 */
    size_t shmmax;        /* largest segment (/proc/sys/kernel/shmmax)    */
    unsigned long shmall; /* pages in all segments (/proc/.../shmall)     */
    unsigned long shmmni; /* number of segments (/proc/.../shmmni)        */
    size_t shmlba;        /* attach address alignment (SHMLBA)            */
    size_t page_size;
};

/* The kernel limits, read from /proc/sys/kernel/shm* once per process
 * (thread-safe) and cached. A value that cannot be read keeps the kernel's
 * compiled-in default. Never NULL. The limits are those of the IPC
 * namespace the process was in at the first call. */
const struct shmc_limits *shmc_limits(void);

/* Fills out from the shmmax, shmall and shmmni files in dir (normally
 * "/proc/sys/kernel"), starting from the compiled-in defaults. Returns the
 * number of files read and parsed (0..3); malformed or missing files keep
 * their defaults. For tests and tools; shmc_limits() is what callers use. */
int shmc_limits_read(const char *dir, struct shmc_limits *out);

/* ------------------------------------------------------------------ */
/* 3. Validator: pure functions, no system calls, no errno changes    */
/* ------------------------------------------------------------------ */

/* A key is refused only when it is (key_t)-1, ftok's failure value. */
enum shmc_err shmc_validate_key(key_t key);

/* Size of a segment to be created: SHMMIN..min(SHMMAX, PTRDIFF_MAX). */
enum shmc_err shmc_validate_size(size_t size, const struct shmc_limits *lim);

/* shmget flags alone: known bits only, IPC_EXCL only with IPC_CREAT, huge
 * page size bits only with SHM_HUGETLB and only a size the kernel names. */
enum shmc_err shmc_validate_get_flags(int shmflg);

/* A whole shmget(key, size, shmflg): key, flags, and size. Creating calls
 * (IPC_PRIVATE or IPC_CREAT) need a size in SHMMIN..SHMMAX; joining calls
 * need size <= SHMMAX (0 means "any size"). lim NULL uses shmc_limits(). */
enum shmc_err shmc_validate_get(key_t key, size_t size, int shmflg,
                                const struct shmc_limits *lim);

/* A segment id as shmat/shmctl take it: >= 0. */
enum shmc_err shmc_validate_id(int shmid);

/* A whole shmat(shmid, addr, shmflg): id, known flags, SHM_REMAP only with
 * an address, an address aligned to SHMLBA unless SHM_RND, not in page 0 and
 * inside the user address space. lim NULL uses shmc_limits(). */
enum shmc_err shmc_validate_at(int shmid, const void *addr, int shmflg,
                               const struct shmc_limits *lim);

/* shmdt(addr): non-NULL and page-aligned, as an attachment start must be.
 * lim NULL uses shmc_limits(). */
enum shmc_err shmc_validate_dt(const void *addr, const struct shmc_limits *lim);

/* A whole shmctl(shmid, cmd, buf): a known command, a buffer for the
 * commands that use one, IPC_SET modes within 0777, and an id >= 0 for the
 * commands that take an id (an index for SHM_STAT, SHM_STAT_ANY). */
enum shmc_err shmc_validate_ctl(int shmid, int cmd, const void *buf);

/* An ftok project number: 1..255. */
enum shmc_err shmc_validate_proj(int proj_id);

/* ------------------------------------------------------------------ */
/* 4. Keys                                                            */
/* ------------------------------------------------------------------ */

/* ftok(path, proj_id) after checking that path exists and is readable
 * (effective ids) and that proj_id is 1..255. On failure *out is untouched;
 * use shmc_format_error(..., path) to name the path in a message. */
enum shmc_err shmc_key_from_path(const char *path, int proj_id, key_t *out);

/* ------------------------------------------------------------------ */
/* 5. Segments                                                        */
/* ------------------------------------------------------------------ */

/* A segment this process knows by id. Fields are read-only for callers;
 * the struct is a plain value (copy it, pass it to a forked child). */
struct shmc_segment {
    int id;         /* kernel shmid                                     */
    key_t key;      /* key it was made or found with                    */
    size_t size;    /* its size in bytes (from the kernel when opened)  */
    int created;    /* 1: this call created it; 0: it existed           */
    uint32_t magic; /* private: marks a filled handle                   */
};

/* Creates a new segment exclusively (IPC_CREAT|IPC_EXCL is implied and may
 * be passed). shmflg: mode 0..0777, optionally SHM_HUGETLB (with a
 * SHM_HUGE_* size) and SHM_NORESERVE. Fails with SHMC_E_EXISTS when the key
 * is taken. key may be IPC_PRIVATE. */
enum shmc_err shmc_segment_create(key_t key, size_t size, int shmflg,
                                  struct shmc_segment *out);

/* Opens an existing segment whose size is at least min_size (0: any).
 * shmflg: the access mode bits to request (0 asks nothing in particular).
 * Fills out->size from IPC_STAT, so the caller needs read permission.
 * SHMC_E_NOT_FOUND when no segment has the key, SHMC_E_TOO_SMALL when it is
 * smaller than min_size. */
enum shmc_err shmc_segment_open(key_t key, size_t min_size, int shmflg,
                                struct shmc_segment *out);

/* Creates the segment or, if another process won the race, opens it:
 * EEXIST leads to open; a segment removed between the two steps leads to
 * a new try, at most SHMC_CREATE_OR_OPEN_TRIES times (then SHMC_E_RACE).
 * out->created tells which happened. shmflg as for shmc_segment_create. */
#define SHMC_CREATE_OR_OPEN_TRIES 8
enum shmc_err shmc_segment_create_or_open(key_t key, size_t size, int shmflg,
                                          struct shmc_segment *out);

struct shmc_seginfo {
    size_t size;
    unsigned long nattch;   /* processes attached now                     */
    pid_t creator_pid;      /* shm_cpid                                   */
    pid_t last_pid;         /* shm_lpid: last shmat/shmdt                 */
    uid_t uid, cuid;        /* owner, creator                             */
    unsigned mode;          /* permission bits 0..0777                    */
    int marked_for_removal; /* IPC_RMID called, attachments remain      */
    time_t atime, dtime, ctime;
};

/* IPC_STAT of seg into out. SHMC_E_REMOVED when it no longer exists. */
enum shmc_err shmc_segment_stat(const struct shmc_segment *seg,
                                struct shmc_seginfo *out);

/* IPC_RMID: the kernel destroys the segment after its last detach and no
 * new process can find it by key. SHMC_E_REMOVED when already gone. */
enum shmc_err shmc_segment_remove(const struct shmc_segment *seg);

/* ------------------------------------------------------------------ */
/* 6. Attachments                                                     */
/* ------------------------------------------------------------------ */

/* One attachment of a segment in this process, by value. A forked child
 * inherits both the mapping and its copy of the handle, so it can detach
 * in the child. Zero-initialise ({0}) handles that may never be attached.
 * Copies of a handle are not tracked: detach through one of them only. */
struct shmc_attachment {
    void *addr;  /* where the segment is mapped                       */
    size_t size; /* the segment's size                                */
    int shmid;
    int shmflg;     /* flags it was attached with                        */
    uint32_t state; /* private: attached, detached or never filled       */
};

/* shmat(seg->id, addr, shmflg) after validation. shmflg: SHM_RDONLY,
 * SHM_RND, SHM_EXEC, SHM_REMAP; addr NULL lets the kernel choose. */
enum shmc_err shmc_attach(const struct shmc_segment *seg, const void *addr,
                          int shmflg, struct shmc_attachment *out);

/* shmdt through the handle; the handle is then marked detached and a second
 * call returns SHMC_E_ALREADY_DETACHED without reaching the kernel. */
enum shmc_err shmc_detach(struct shmc_attachment *att);

/* Release-if-last: removes the segment (IPC_RMID) when this attachment is
 * the only one, then detaches. *removed (may be NULL) says whether this call
 * removed it. Race: a process that attaches between the IPC_STAT and the
 * IPC_RMID keeps a working attachment, but the key no longer finds the
 * segment; one that detaches in that window leaves the segment to the
 * others (nobody removes it). Coordinate the last user yourself if either
 * matters. If IPC_RMID fails, nothing changed: the handle stays attached.
 * (If the final shmdt fails, which only a copied handle can cause, the
 * segment stays marked for removal and the handle attached.) */
enum shmc_err shmc_release(struct shmc_attachment *att, int *removed);

/* ------------------------------------------------------------------ */
/* 7. Typed, layout-checked segments                                  */
/* ------------------------------------------------------------------ */

struct shmc_field {
    const char *name;
    size_t offset;
    size_t size;
};

struct shmc_layout {
    const char *name; /* type name as spelled by the caller            */
    size_t size;      /* sizeof                                        */
    size_t align;     /* _Alignof                                      */
    const struct shmc_field *fields; /* may be NULL when nfields == 0    */
    size_t nfields;
};

/* 64-bit tag of a layout (FNV-1a over name, size, align and each field's
 * name, offset and size, in the order listed): equal layouts give equal
 * tags. 0 for a layout shmc_layout_check refuses. */
uint64_t shmc_layout_tag(const struct shmc_layout *layout);

/* Checks a layout descriptor, like the validators (pure, errno untouched):
 * SHMC_E_NULL, or SHMC_E_LAYOUT_INVALID for an empty type or field name,
 * size 0, an alignment that is not a power of two up to 4096, or a field
 * outside the type. */
enum shmc_err shmc_layout_check(const struct shmc_layout *layout);

/* A layout for type T, checked by name, size and alignment:
 *     shmc_typed_create(key, SHMC_TYPED(struct counters), 0600, &t);     */
#define SHMC_TYPED(T) \
    (&(const struct shmc_layout){#T, sizeof(T), _Alignof(T), NULL, 0})

/* The same, plus the listed fields' offsets and sizes (1..16 fields), which
 * also catches two fields swapped in a struct of the same size:
 *     SHMC_TYPED_FIELDS(struct counters, hits, misses)                   */
#define SHMC_TYPED_FIELDS(T, ...)                                            \
    (&(const struct shmc_layout){                                            \
        #T, sizeof(T), _Alignof(T),                                          \
        (const struct shmc_field[]){SHMC__MAP(SHMC__FIELD, T, __VA_ARGS__)}, \
        sizeof((const struct shmc_field[]){                                  \
            SHMC__MAP(SHMC__FIELD, T, __VA_ARGS__)}) /                       \
            sizeof(struct shmc_field)})

// clang-format off
#define SHMC__FIELD(T, f) {#f, offsetof(T, f), sizeof(((T *)0)->f)},
#define SHMC__MAP(m, T, ...)                                                  \
    SHMC__PICK(__VA_ARGS__, SHMC__M16, SHMC__M15, SHMC__M14, SHMC__M13,       \
               SHMC__M12, SHMC__M11, SHMC__M10, SHMC__M9, SHMC__M8, SHMC__M7, \
               SHMC__M6, SHMC__M5, SHMC__M4, SHMC__M3, SHMC__M2, SHMC__M1, )  \
    (m, T, __VA_ARGS__)
#define SHMC__PICK(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13,    \
                   _14, _15, _16, NAME, ...)                                  \
    NAME
#define SHMC__M1(m, T, a) m(T, a)
#define SHMC__M2(m, T, a, ...) m(T, a) SHMC__M1(m, T, __VA_ARGS__)
#define SHMC__M3(m, T, a, ...) m(T, a) SHMC__M2(m, T, __VA_ARGS__)
#define SHMC__M4(m, T, a, ...) m(T, a) SHMC__M3(m, T, __VA_ARGS__)
#define SHMC__M5(m, T, a, ...) m(T, a) SHMC__M4(m, T, __VA_ARGS__)
#define SHMC__M6(m, T, a, ...) m(T, a) SHMC__M5(m, T, __VA_ARGS__)
#define SHMC__M7(m, T, a, ...) m(T, a) SHMC__M6(m, T, __VA_ARGS__)
#define SHMC__M8(m, T, a, ...) m(T, a) SHMC__M7(m, T, __VA_ARGS__)
#define SHMC__M9(m, T, a, ...) m(T, a) SHMC__M8(m, T, __VA_ARGS__)
#define SHMC__M10(m, T, a, ...) m(T, a) SHMC__M9(m, T, __VA_ARGS__)
#define SHMC__M11(m, T, a, ...) m(T, a) SHMC__M10(m, T, __VA_ARGS__)
#define SHMC__M12(m, T, a, ...) m(T, a) SHMC__M11(m, T, __VA_ARGS__)
#define SHMC__M13(m, T, a, ...) m(T, a) SHMC__M12(m, T, __VA_ARGS__)
#define SHMC__M14(m, T, a, ...) m(T, a) SHMC__M13(m, T, __VA_ARGS__)
#define SHMC__M15(m, T, a, ...) m(T, a) SHMC__M14(m, T, __VA_ARGS__)
#define SHMC__M16(m, T, a, ...) m(T, a) SHMC__M15(m, T, __VA_ARGS__)
// clang-format on

/* A typed segment attached in this process: data points at the payload,
 * aligned for the type, right after the header. */
struct shmc_typed {
    struct shmc_segment seg;
    struct shmc_attachment att;
    void *data;
};

/* Creates a segment exclusively for one object of the layout, attaches it,
 * writes the header (magic, format version, payload size, tag, type name)
 * and publishes it as ready; the payload starts zeroed. shmflg as for
 * shmc_segment_create; the mode must give the owner write permission (0200)
 * unless the caller is privileged, since the creator writes the header. On
 * failure nothing is left: no segment, no attachment. */
enum shmc_err shmc_typed_create(key_t key, const struct shmc_layout *layout,
                                int shmflg, struct shmc_typed *out);

/* Opens and attaches an existing typed segment (at_flags: SHM_RDONLY or 0,
 * anything else is SHMC_E_AT_FLAGS_UNKNOWN)
 * and checks its header against layout: SHMC_E_TYPED_NOT_TYPED,
 * SHMC_E_TYPED_VERSION, SHMC_E_TYPED_LAYOUT, SHMC_E_TYPED_TRUNCATED. Waits
 * a bounded time (about 100 ms) for a creator still initialising, then
 * SHMC_E_TYPED_NOT_READY. On failure nothing stays attached. */
enum shmc_err shmc_typed_open(key_t key, const struct shmc_layout *layout,
                              int at_flags, struct shmc_typed *out);

/* Create, or open when another process created it first (see
 * shmc_segment_create_or_open); out->seg.created tells which. */
enum shmc_err shmc_typed_create_or_open(key_t key,
                                        const struct shmc_layout *layout,
                                        int shmflg, struct shmc_typed *out);

/* Detaches (shmc_detach); the segment stays. */
enum shmc_err shmc_typed_detach(struct shmc_typed *t);

/* Release-if-last (shmc_release), with its documented race. */
enum shmc_err shmc_typed_release(struct shmc_typed *t, int *removed);

/* ------------------------------------------------------------------ */
/* 8. Scoped cleanup                                                  */
/* ------------------------------------------------------------------ */

/* Cleanup handlers for the SHMC_AUTO_* qualifiers: they act only on a
 * handle that is attached, ignore errors and keep errno. */
void shmc_detach_cleanup(struct shmc_attachment *att);
void shmc_release_cleanup(struct shmc_attachment *att);
void shmc_typed_detach_cleanup(struct shmc_typed *t);
void shmc_typed_release_cleanup(struct shmc_typed *t);

/* Detach (or release) when the variable leaves scope:
 *     SHMC_AUTO_DETACH struct shmc_attachment a = {0};
 * exit(), _exit(), abort() and signals leave without running these: the
 * kernel detaches at process exit, but a segment nobody removed stays. */
#if defined(__GNUC__) || defined(__clang__)
#define SHMC_CLEANUP(fn) __attribute__((cleanup(fn)))
#define SHMC_AUTO_DETACH SHMC_CLEANUP(shmc_detach_cleanup)
#define SHMC_AUTO_RELEASE SHMC_CLEANUP(shmc_release_cleanup)
#define SHMC_AUTO_TYPED SHMC_CLEANUP(shmc_typed_detach_cleanup)
#define SHMC_AUTO_TYPED_RELEASE SHMC_CLEANUP(shmc_typed_release_cleanup)
#endif

/* ------------------------------------------------------------------ */
/* 9. Leak check, for fuzz harnesses                                  */
/* ------------------------------------------------------------------ */

/* What LeakSanitizer does for the heap, for System V memory: at the end
 * of each input (LLVMFuzzerTestOneInput, or an __AFL_LOOP body),
 *     SHMC_LEAK_CHECK();
 * finds what this process, or a child it forked, made since the last
 * check (or since the process started) and left behind: segments that
 * still exist and are not marked for removal, and this process's
 * attachments still attached. It prints each to stderr (kind, shmid, key,
 * size, address; the stack of the call that made it when
 * libshmcheck-trace.so is preloaded; always the check's own call site),
 * removes those segments, detaches those attachments, and then calls
 * abort() if it found anything, so that libFuzzer and AFL++ save the
 * input as a crash. Segments made by other processes, and what existed
 * at the last shmc_leak_check_reset(), are never touched. See
 * shmcheck(3) for what the check can and cannot see. */
#define SHMC_LEAK_CHECK() shmc_leak_check_at(__FILE__, __LINE__, __func__)

/* The function behind SHMC_LEAK_CHECK: file, line and func name the
 * check's call site (any may be NULL). Returns only when nothing was
 * found; if the check itself cannot be made (the kernel refuses to list
 * segments) it says so and aborts too. */
void shmc_leak_check_at(const char *file, int line, const char *func);

/* The same check, report and clean-up, without aborting: returns the
 * number of findings (0: nothing left behind), or -1 with errno set when
 * the kernel refused to list the segments (then nothing was checked). */
int shmc_leak_check_recoverable(void);

/* Marks what exists now as not a leak: this process's segments and
 * attachments at this moment are left out of every later check (a
 * harness's LLVMFuzzerInitialize calls it after its own set-up). Returns
 * 0, or -1 with errno set (ENOMEM, or the kernel's refusal). */
int shmc_leak_check_reset(void);

#ifdef __cplusplus
}
#endif

#endif /* SHMCHECK_H */

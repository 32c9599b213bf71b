/*
 * traced_stacks.c - traced_prog's subcommands for stacks: a known call
 * chain and a corrupt frame chain.
 */
#define _GNU_SOURCE
#include <alloca.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "traced_prog.h"

/* A known call chain: stack_chain -> stack_mid -> stack_leaf -> shmget.
 * The empty asm keeps each call a real call (no tail call). */
static __attribute__((noinline)) int stack_leaf(void)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    __asm__ volatile("" ::: "memory");
    return id;
}

static __attribute__((noinline)) int stack_mid(void)
{
    int id = stack_leaf();
    __asm__ volatile("" ::: "memory");
    return id;
}

static __attribute__((noinline)) int stack_chain(void)
{
    int id = stack_mid();
    __asm__ volatile("" ::: "memory");
    return id;
}

int cmd_stacks(void)
{
    return shmctl(stack_chain(), IPC_RMID, NULL) == 0 ? 0 : 2;
}

#if defined(__x86_64__)
/* shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600) called with the frame
 * pointer register set to fp, as from code built without frame pointers
 * that uses it for data. */
__attribute__((visibility("hidden"))) int shmget_with_fp(uintptr_t *fp);
__asm__(".text\n"
        ".globl shmget_with_fp\n"
        ".hidden shmget_with_fp\n"
        ".type shmget_with_fp, @function\n"
        "shmget_with_fp:\n"
        "    push %rbp\n"
        "    mov %rdi, %rbp\n"
        "    xor %edi, %edi\n"
        "    mov $4096, %esi\n"
        "    mov $0x380, %edx\n"
        "    call shmget@PLT\n"
        "    pop %rbp\n"
        "    ret\n"
        ".size shmget_with_fp, .-shmget_with_fp\n");

#define FAKE_RET 0x1234567u /* no object is loaded there */

/* One fake frame {next, return address} whose next is bad as kind says:
 * down (below it), top (past the stack), misaligned, gap (16 MiB or more
 * above it), or lowret (the frame's return address is below 4096).
 * Makes a segment with it; leaks it for "down", removes it otherwise. */
static __attribute__((noinline)) int fake_frame(const char *kind)
{
    uintptr_t f[2] = {0, FAKE_RET};
    uintptr_t at = (uintptr_t)f;

    if (strcmp(kind, "down") == 0)
        f[0] = at - 64;
    else if (strcmp(kind, "top") == 0)
        f[0] = UINTPTR_MAX & ~(uintptr_t)15;
    else if (strcmp(kind, "misaligned") == 0)
        f[0] = at + 20;
    else if (strcmp(kind, "gap") == 0)
        f[0] = at + (17u << 20);
    else
        f[1] = 0;
    int id = shmget_with_fp(f);
    __asm__ volatile("" ::: "memory");
    if (strcmp(kind, "down") != 0)
        shmctl(id, IPC_RMID, NULL);
    return id >= 0 ? 0 : 2;
}

/* 20 MiB down a 64 MiB thread stack, so that 17 MiB above the frame is
 * still on the stack. */
static void *deep(void *kind)
{
    volatile char *pad = alloca(20u << 20);
    pad[0] = 0;
    return (void *)(intptr_t)fake_frame(kind);
}

int cmd_badframe(const char *kind)
{
    pthread_attr_t attr;
    pthread_t t;
    void *r;

    if (strcmp(kind, "gap") != 0)
        return fake_frame(kind);
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64u << 20);
    if (pthread_create(&t, &attr, deep, (void *)kind) != 0)
        return 2;
    pthread_join(t, &r);
    return (int)(intptr_t)r;
}
#else
int cmd_badframe(const char *kind)
{
    (void)kind;
    printf("skip: x86-64 only\n");
    return 0;
}
#endif

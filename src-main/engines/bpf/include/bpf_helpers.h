/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kernel Lab's bpf_helpers.h: the declarations a BPF program in C needs, written for this project after the
 * conventions libbpf's bpf_helpers.h documents (SEC(), __uint/__type for BTF-defined maps in ".maps", __ksym for
 * kernel symbols resolved through BTF) and the helper ids of include/uapi/linux/bpf.h (Linux 6.18). Only what the
 * lab's engine models is declared.
 */
#ifndef __KERNEL_LAB_BPF_HELPERS_H
#define __KERNEL_LAB_BPF_HELPERS_H

#include "vmlinux.h"

/* The ELF section a program, map or variable goes in; libbpf derives the program type from it. */
#define SEC(name) __attribute__((section(name), used))

/* BTF-defined map fields: a pointer to an array whose length is the value, or to the key/value type. */
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]

/* A kernel symbol (kfunc or variable) the loader resolves by name against the kernel's BTF. */
#define __ksym __attribute__((section(".ksyms")))
#define __weak __attribute__((weak))
#define __hidden __attribute__((visibility("hidden")))

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define __noinline __attribute__((noinline))

/* Helpers by enum bpf_func_id: a call to the constant address becomes `call <id>`. */
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value, __u64 flags) = (void *)2;
static long (*bpf_map_delete_elem)(void *map, const void *key) = (void *)3;
static __u64 (*bpf_ktime_get_ns)(void) = (void *)5;
static long (*bpf_trace_printk)(const char *fmt, __u32 fmt_size, ...) = (void *)6;
static __u32 (*bpf_get_prandom_u32)(void) = (void *)7;
static __u32 (*bpf_get_smp_processor_id)(void) = (void *)8;
static long (*bpf_loop)(__u32 nr_loops, void *callback_fn, void *callback_ctx, __u64 flags) = (void *)181;

/* The tracing helpers (GPL-only where the kernel's proto is): the run's current task is the model's simulated one. */
static long (*bpf_probe_read)(void *dst, __u32 size, const void *unsafe_ptr) = (void *)4;
static __u64 (*bpf_get_current_pid_tgid)(void) = (void *)14;
static __u64 (*bpf_get_current_uid_gid)(void) = (void *)15;
static long (*bpf_get_current_comm)(void *buf, __u32 size_of_buf) = (void *)16;
static __u64 (*bpf_get_current_task)(void) = (void *)35;
static long (*bpf_probe_read_str)(void *dst, __u32 size, const void *unsafe_ptr) = (void *)45;
static long (*bpf_probe_read_user)(void *dst, __u32 size, const void *unsafe_ptr) = (void *)112;
static long (*bpf_probe_read_kernel)(void *dst, __u32 size, const void *unsafe_ptr) = (void *)113;
static long (*bpf_probe_read_user_str)(void *dst, __u32 size, const void *unsafe_ptr) = (void *)114;
static long (*bpf_probe_read_kernel_str)(void *dst, __u32 size, const void *unsafe_ptr) = (void *)115;
static __u64 (*bpf_ktime_get_boot_ns)(void) = (void *)125;

#endif

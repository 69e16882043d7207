/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel Lab's bpf_experimental.h: the open-coded iterator kfuncs and the bpf_for()/bpf_repeat() loops built on
 * them, with the semantics the kernel's tools/testing/selftests/bpf/bpf_experimental.h gives them (Linux 6.18):
 * the iterator is created once, destroyed when the loop's scope ends, and every step checks the value it got
 * against the bounds so that the verifier knows the loop variable's range. Written for this project.
 */
#ifndef __KERNEL_LAB_BPF_EXPERIMENTAL_H
#define __KERNEL_LAB_BPF_EXPERIMENTAL_H

#include "bpf_helpers.h"

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __weak __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __weak __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __weak __ksym;

extern int bpf_iter_bits_new(struct bpf_iter_bits *it, const u64 *unsafe_ptr__ign, u32 nr_words) __weak __ksym;
extern int *bpf_iter_bits_next(struct bpf_iter_bits *it) __weak __ksym;
extern void bpf_iter_bits_destroy(struct bpf_iter_bits *it) __weak __ksym;

/*
 * for (i = start; i < end; i++) over a numbers iterator. The (void)bpf_iter_num_destroy reference makes clang
 * emit the destructor's BTF, which the cleanup attribute alone does not.
 */
#define bpf_for(i, start, end)                                                                             \
	for (struct bpf_iter_num __lab_it __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))),        \
	     *__lab_once __attribute__((unused)) =                                                          \
		     (bpf_iter_num_new(&__lab_it, (start), (end)), (void)bpf_iter_num_destroy, (void *)0);  \
	     ({                                                                                             \
		     int *__lab_v = bpf_iter_num_next(&__lab_it);                                           \
		     __lab_v && ((i) = *__lab_v, (i) >= (start) && (i) < (end));                            \
	     });)

/* Runs the body n times, with no loop variable. */
#define bpf_repeat(n)                                                                                      \
	for (struct bpf_iter_num __lab_it __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))),        \
	     *__lab_once __attribute__((unused)) =                                                          \
		     (bpf_iter_num_new(&__lab_it, 0, (n)), (void)bpf_iter_num_destroy, (void *)0);          \
	     bpf_iter_num_next(&__lab_it);)

/* for each set bit of the nr_words u64 words at ptr; i is the bit's index. */
#define bpf_for_each_bit(i, ptr, nr_words)                                                                 \
	for (struct bpf_iter_bits __lab_bit __attribute__((aligned(8), cleanup(bpf_iter_bits_destroy))),     \
	     *__lab_once __attribute__((unused)) =                                                          \
		     (bpf_iter_bits_new(&__lab_bit, (ptr), (nr_words)), (void)bpf_iter_bits_destroy, (void *)0); \
	     ({                                                                                             \
		     int *__lab_v = bpf_iter_bits_next(&__lab_bit);                                         \
		     __lab_v && ((i) = *__lab_v, 1);                                                        \
	     });)

#endif

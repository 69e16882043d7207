// SPDX-License-Identifier: GPL-2.0
/*
 * Lab 04 in C: sum 1..100 three ways. Check this file as the lab's C submission (`npm run lab -- check 04
 * sum.bpf.c`): the lab compiles it with this machine's clang (--target=bpf -O2 -g), loads its three programs
 * (loop, sum_bpf_loop, iter), runs each and reads "processed N insns" from each verifier log for you.
 */
#include "bpf_experimental.h"

#define N 100

/*
 * 1. A bounded loop. Beware: clang -O2 knows the sum of 1..N and may fold the whole loop into a constant; the
 * empty asm statement makes sum a value clang cannot see through, so the loop stays a loop.
 */
SEC("raw_tp")
int loop(void *ctx)
{
	int sum = 0;

	for (int i = 1; i <= N; i++) {
		sum += i;
		asm volatile("" : "+r"(sum));
	}
	return sum;
}

/*
 * 2. bpf_loop(nr_loops, callback, ctx, 0) calls callback(index, ctx) for index 0..nr_loops-1; the callback returns
 * 0 to go on (1 stops). TODO: write a static callback that adds index + 1 to the long behind ctx, and call
 * bpf_loop with it and a pointer to sum.
 */
SEC("raw_tp")
int sum_bpf_loop(void *ctx)
{
	long sum = 0;

	return sum;
}

/* 3. TODO: the same sum with an open-coded iterator: bpf_for(i, start, end) from bpf_experimental.h. */
SEC("raw_tp")
int iter(void *ctx)
{
	int i, sum = 0;

	return sum;
}

char LICENSE[] SEC("license") = "GPL";

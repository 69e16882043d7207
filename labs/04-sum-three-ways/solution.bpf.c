// SPDX-License-Identifier: GPL-2.0
/* Lab 04, reference solution in C: sum 1..100 three ways. */
#include "bpf_experimental.h"

#define N 100

/* 1. A bounded loop. The empty asm hides sum from clang, which would otherwise fold the loop into 5050. */
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

/* 2. bpf_loop(): the callback gets the index (0..N-1) and the context pointer, and returns 0 to go on. */
static long add_one(u32 index, void *ctx)
{
	*(long *)ctx += index + 1;
	return 0;
}

SEC("raw_tp")
int sum_bpf_loop(void *ctx)
{
	long sum = 0;

	bpf_loop(N, add_one, &sum, 0);
	return sum;
}

/* 3. An open-coded iterator: bpf_for() is bpf_iter_num_new, _next until NULL, _destroy. */
SEC("raw_tp")
int iter(void *ctx)
{
	int i, sum = 0;

	bpf_for(i, 1, N + 1)
		sum += i;
	return sum;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/* Lab 05 in C, reference solution: each program repaired with the smallest change that makes it safe. */
#include "bpf_experimental.h"

/* arr: 4 entries of 8 bytes; the driver writes 10, 20, 30, 40. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u64);
} arr SEC(".maps");

/* tbl: one value of 8 u64 slots; the driver writes slot 0 = 3 (an index) and slots 1..7 = 11, 22, ..., 77. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64[8]);
} tbl SEC(".maps");

/* Which entry of arr fix3 reads: a global in .data, which user space may change while the program runs. */
u32 which = 2;

/* 0 + 1 + ... + 9 = 45 with an open-coded iterator. */
SEC("raw_tp")
int fix1(void *ctx)
{
	struct bpf_iter_num it;
	int *v, sum = 0;

	bpf_iter_num_new(&it, 0, 10);
	while ((v = bpf_iter_num_next(&it)))
		sum += *v;
	bpf_iter_num_destroy(&it);
	return sum;
}

/*
 * 6 * 7 = 42 by adding 6 seven times. The pragma keeps clang from unrolling the loop, and the empty asm statement
 * makes prod a value clang cannot see through, so the loop stays a loop (clang -O2 would compute 42 itself).
 */
SEC("raw_tp")
int fix2(void *ctx)
{
	int n = 7, prod = 0;

#pragma clang loop unroll(disable)
	do {
		prod += 6;
		asm volatile("" : "+r"(prod));
	} while (--n);
	return prod;
}

/* arr[which] = 30. */
SEC("raw_tp")
int fix3(void *ctx)
{
	u64 *v = bpf_map_lookup_elem(&arr, &which);

	if (!v)
		return 0;
	return *v;
}

/* slot[1 + slot[0]] of tbl's value = 44. */
SEC("raw_tp")
int fix4(void *ctx)
{
	u32 key = 0;
	u64 *slot = bpf_map_lookup_elem(&tbl, &key);

	if (!slot || slot[0] > 6)
		return 0;
	return slot[1 + slot[0]];
}

/* popcount(180) = 4: add the low bit, shift right, until nothing is left. The asm keeps the loop a loop. */
SEC("raw_tp")
int fix5(void *ctx)
{
	u64 x = 180;
	int ones = 0;

	while (x) {
		ones += x & 1;
		x >>= 1;
		asm volatile("" : "+r"(x));
	}
	return ones;
}

char LICENSE[] SEC("license") = "GPL";

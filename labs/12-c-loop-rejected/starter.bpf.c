// SPDX-License-Identifier: GPL-2.0
/*
 * Lab 12: sum the first n values of the map 'data'. The verifier rejects this program: find out why in its log,
 * then change the loop (not the map) so that the verifier can prove every access stays inside the value.
 */
#include "bpf_experimental.h"

#define MAX_VALS 64

struct data {
	u32 n;			/* how many of vals to add up; anything a user space program wrote */
	u32 pad;
	u64 vals[MAX_VALS];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct data);
} data SEC(".maps");

SEC("raw_tp")
int sum_vals(void *ctx)
{
	u32 key = 0;
	struct data *d = bpf_map_lookup_elem(&data, &key);
	u64 sum = 0;

	if (!d)
		return 0;
	for (u32 i = 0; i < d->n; i++)
		sum += d->vals[i];
	return sum;
}

char LICENSE[] SEC("license") = "GPL";

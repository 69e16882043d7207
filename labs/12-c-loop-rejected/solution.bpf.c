// SPDX-License-Identifier: GPL-2.0
/* Lab 12, reference solution: the loop runs over an open-coded iterator whose end is the array's length. */
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
	int i;

	if (!d)
		return 0;
	/* bpf_for proves 0 <= i < MAX_VALS at every step; n only decides when to stop early. */
	bpf_for(i, 0, MAX_VALS) {
		if (i >= d->n)
			break;
		sum += d->vals[i];
	}
	return sum;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/* Lab 06, reference solution in C: /proc/pagetypeinfo's two tables from an iterator over the pageblocks. */
#include "bpf_helpers.h"

/* The model-defined iterator (src-main/engines/bpf_iter_pageblock.ts): no Linux kernel has it. */
struct bpf_iter_pageblock {
	__u64 __opaque[12];
} __attribute__((aligned(8)));

struct bpf_pageblock {
	__u64 pfn;
	__u32 nr_pages;
	__u32 migratetype;
	__u32 free_list;
	__u32 free_pages;
	__u32 dm_level;
	__u32 unmapped_pages;
	__u32 flags;
	__u32 nr_free[11];
};

extern int bpf_iter_pageblock_new(struct bpf_iter_pageblock *it, __u64 start_pfn, __u64 flags) __weak __ksym;
extern struct bpf_pageblock *bpf_iter_pageblock_next(struct bpf_iter_pageblock *it) __weak __ksym;
extern void bpf_iter_pageblock_destroy(struct bpf_iter_pageblock *it) __weak __ksym;

struct pageblock_stats {
	__u64 nr_free[8][11];	/* [free_list][order] */
	__u64 nr_blocks[8];	/* [migratetype] */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pageblock_stats);
} stats SEC(".maps");

SEC("raw_tp")
int pageblock_stats(void *ctx)
{
	struct bpf_iter_pageblock it;
	struct bpf_pageblock *pb;
	struct pageblock_stats *s;
	__u32 key = 0;

	s = bpf_map_lookup_elem(&stats, &key);
	if (!s)
		return 0;
	bpf_iter_pageblock_new(&it, 0, 0);
	while ((pb = bpf_iter_pageblock_next(&it))) {
		__u32 fl = pb->free_list, mt = pb->migratetype;

		/* Both indexes come from memory: bounded before they move the pointer into the map value. */
		if (fl > 7)
			continue;
#pragma unroll
		for (int o = 0; o < 11; o++)
			s->nr_free[fl][o] += pb->nr_free[o];
		/* pagetypeinfo_showblockcount_print() counts whole pageblocks only. */
		if (pb->nr_pages == 512 && mt <= 7)
			s->nr_blocks[mt]++;
	}
	bpf_iter_pageblock_destroy(&it);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * Lab 06 in C: compute /proc/pagetypeinfo's two tables in a program that walks the pageblocks. Check this file as
 * the lab's C submission (`npm run lab -- check 06 stats.bpf.c`): the lab boots the README's machine, runs its
 * churns, compiles this with this machine's clang, runs pageblock_stats once and reads the map back for you.
 */
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
		/*
		 * TODO: pb points at this pageblock's record (read-only), s at the map's struct pageblock_stats.
		 *  - add nr_free[o] to nr_free[free_list][o], for every order o;
		 *  - count the block for its migratetype in nr_blocks, as /proc/pagetypeinfo counts blocks.
		 * free_list and migratetype come from memory: the verifier knows nothing of them.
		 */
	}
	bpf_iter_pageblock_destroy(&it);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

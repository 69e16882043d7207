/**
 * Lab 06's C for a kernel that lacks the model-defined bpf_iter_pageblock_* kfuncs (engines/bpf_iter_pageblock.ts):
 * the same source with each of the three extern declarations replaced, on its own line (so that every other C
 * line keeps its number), by a static inline of the same name built on the kernel's own open-coded iterator
 * (bpf_iter_num_new/next/destroy, kernel/bpf/bpf_iter.c) and an array map of the records:
 *
 *   new(it, start_pfn, flags)  bpf_iter_num_new() over the record indexes start_pfn >> pageblock_order .. n (the
 *                              first 8 bytes of the program's 96-byte struct bpf_iter_pageblock hold the
 *                              struct bpf_iter_num); flags != 0 gives -EINVAL and an empty iterator, as the model's.
 *   next(it)                   bpf_iter_num_next(), then bpf_map_lookup_elem() of that index in the array map
 *                              `pageblock_records` (one struct bpf_pageblock per pageblock): a pointer the
 *                              program must test for NULL, to 80 bytes whose contents the verifier knows nothing of.
 *   destroy(it)                bpf_iter_num_destroy().
 *
 * What the verifier must prove stays: the iterator's new/next/destroy protocol and the loop over it (KF_ITER_*),
 * the NULL test of next()'s pointer, the bounds of the record's fields before they index into the stats map value.
 * What differs: next() returns PTR_TO_MAP_VALUE (writable) where the model's returns read-only memory
 * (PTR_TO_MEM | MEM_RDONLY), so a program writing into the record is accepted here and rejected by the model;
 * the records come from the map, not from the zone. Used by c-sources.test.ts, which loads the shimmed object in
 * the model and in the kernel alike.
 */

/** The three declarations as lab 06's sources write them, each on one line. */
const DECLS = {
  new: /^extern int bpf_iter_pageblock_new\(struct bpf_iter_pageblock \*it, __u64 start_pfn, __u64 flags\) __weak __ksym;$/m,
  next: /^extern struct bpf_pageblock \*bpf_iter_pageblock_next\(struct bpf_iter_pageblock \*it\) __weak __ksym;$/m,
  destroy: /^extern void bpf_iter_pageblock_destroy\(struct bpf_iter_pageblock \*it\) __weak __ksym;$/m,
} as const;

/** The name of the shim's array map of struct bpf_pageblock records. */
export const PAGEBLOCK_RECORDS_MAP = 'pageblock_records';

/** Whether a C source uses the model-defined pageblock iterator. */
export function usesPageblockIter(c: string): boolean {
  return /\bbpf_iter_pageblock_(new|next|destroy)\b/.test(c);
}

/**
 * `c` with the pageblock iterator's declarations replaced by the shim over `records` records (pageblock_order 9).
 * Throws when a declaration is not there exactly as lab 06 writes it: the shim would not be the program's.
 */
export function shimPageblockIter(c: string, records: number): string {
  if (!Number.isInteger(records) || records < 1) throw new RangeError(`records: ${records}`);
  for (const [k, re] of Object.entries(DECLS))
    if ((c.match(new RegExp(re.source, 'gm')) ?? []).length !== 1)
      throw new Error(`the source has no single declaration of bpf_iter_pageblock_${k} as lab 06 writes it`);
  const ITER = '(struct bpf_iter_num *)it';
  return c
    .replace(
      DECLS.new,
      [
        'extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __weak __ksym;',
        'extern int *bpf_iter_num_next(struct bpf_iter_num *it) __weak __ksym;',
        'extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __weak __ksym;',
        `struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, ${records}); __type(key, __u32); __type(value, struct bpf_pageblock); } ${PAGEBLOCK_RECORDS_MAP} SEC(".maps");`,
        'static __always_inline int bpf_iter_pageblock_new(struct bpf_iter_pageblock *it, __u64 start_pfn, __u64 flags)',
        `{ if (flags) { bpf_iter_num_new(${ITER}, 0, 0); return -22; } return bpf_iter_num_new(${ITER}, start_pfn >> 9, ${records}); }`,
      ].join(' '),
    )
    .replace(
      DECLS.next,
      'static __always_inline struct bpf_pageblock *bpf_iter_pageblock_next(struct bpf_iter_pageblock *it)' +
        ` { int *i = bpf_iter_num_next(${ITER}); __u32 k; if (!i) return 0; k = *i; return bpf_map_lookup_elem(&${PAGEBLOCK_RECORDS_MAP}, &k); }`,
    )
    .replace(
      DECLS.destroy,
      `static __always_inline void bpf_iter_pageblock_destroy(struct bpf_iter_pageblock *it) { bpf_iter_num_destroy(${ITER}); }`,
    );
}

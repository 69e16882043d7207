// Lab 06's criteria. They read the pageblock program the script loaded and the map it writes, compare the map with
// the machine's own /proc/pagetypeinfo (the allocator's free lists and pageblock types, not the iterator), then
// change the machine, run the program again and compare again: a table copied or typed in does not pass.
const CALL = 0x85; // BPF_JMP | BPF_CALL
const LDDW = 0x18; // BPF_LD | BPF_IMM | BPF_DW
const ITER = ['bpf_iter_pageblock_new', 'bpf_iter_pageblock_next', 'bpf_iter_pageblock_destroy'];
const ORDERS = 11;
const ROWS = 8;
const VALUE_SIZE = 8 * (ROWS * ORDERS + ROWS); // struct pageblock_stats

const kfuncs = (k, p) => new Set(p.insns.filter((i) => i.code === CALL && i.src_reg === 2).map((i) => k.bpf.kfuncs.get(i.imm)?.name));

/** The last program loaded with the verifier that calls the three pageblock iterator kfuncs. */
function program(k) {
  if (!k) return undefined;
  return [...k.bpf.progs.values()].filter((p) => typeof p.verifier_log === 'string' && ITER.every((n) => kfuncs(k, p).has(n))).at(-1);
}

/** The 768-byte array map the program names (`r1 = stats ll`). */
function statsMap(k, p) {
  for (const i of p.insns) {
    if (i.code !== LDDW || i.src_reg !== 1) continue;
    const m = k.bpf.maps.get(i.imm);
    if (m && m.value_size === VALUE_SIZE && m.max_entries >= 1) return m;
  }
  return undefined;
}

/** The map's table, named like pagetypeinfo's rows. */
function readTable(k, map) {
  const v = map.lookup(0);
  const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
  const u64 = (off) => Number(dv.getBigUint64(off, true));
  const pti = k.mm.pagetypeinfo();
  const free = {};
  Object.keys(pti.free).forEach((name, row) => (free[name] = Array.from({ length: ORDERS }, (_, o) => u64((row * ORDERS + o) * 8))));
  const blocks = {};
  Object.keys(pti.blocks).forEach((name, mt) => (blocks[name] = u64(8 * ROWS * ORDERS + 8 * mt)));
  return { free, blocks };
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const firstDiff = (got, want) => {
  for (const name of Object.keys(want)) if (!same(got?.[name], want[name])) return `${name}: you reported ${JSON.stringify(got?.[name]) ?? 'nothing'}, which is not what the machine shows`;
  return '';
};

/** The state at the end of the run, taken once, before the last criterion changes the machine. */
const memo = new WeakMap();
function atEnd(k) {
  if (!memo.has(k)) {
    const p = program(k);
    const map = p && statsMap(k, p);
    memo.set(k, { p, map, pti: k.mm.pagetypeinfo(), table: map ? readTable(k, map) : undefined });
  }
  return memo.get(k);
}

function needTable(k) {
  if (!k) return { fail: 'no machine was booted' };
  const s = atEnd(k);
  if (!s.p) return { fail: 'no program calling bpf_iter_pageblock_new/next/destroy passed the verifier' };
  if (!s.map) return { fail: `the program names no array map with one ${VALUE_SIZE}-byte value` };
  return s;
}

export default [
  {
    name: 'a program over the pageblocks passes the verifier',
    hint: "k.bpf.prog_load({ asm, prog_type: 'raw_tp', maps: { stats } }) with bpf_iter_pageblock_new(&it, 0, 0), _next until NULL, _destroy; the iterator takes 96 bytes of stack",
    check: ({ k }) => {
      const s = needTable(k);
      return s.fail ? { pass: false, detail: s.fail } : { pass: true, detail: s.p.verifier_log.trim().split('\n').at(-1) };
    },
  },
  {
    name: 'the workload has left blocks of three migratetypes and free blocks on two lists',
    hint: "boot({ memory: '1001M' }) and run the README's three churns (GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_KERNEL|__GFP_RECLAIMABLE) before the program",
    check: ({ k }) => {
      if (!k) return { pass: false, detail: 'no machine was booted' };
      const { pti } = atEnd(k);
      const types = Object.values(pti.blocks).filter((c) => c > 0).length;
      const lists = Object.values(pti.free).filter((row) => row.some((c) => c > 0)).length;
      return { pass: types >= 3 && lists >= 2, detail: `${types} migratetypes hold blocks, ${lists} free lists hold pages` };
    },
  },
  {
    name: "the map holds pagetypeinfo's free blocks per migratetype and order",
    hint: 'row free_list (offset 16), column o: add nr_free[o] (offset 36 + 4*o) of every record, into nr_free[free_list][o] at 8*(11*free_list + o)',
    check: ({ k }) => {
      const s = needTable(k);
      if (s.fail) return { pass: false, detail: s.fail };
      const d = firstDiff(s.table.free, s.pti.free);
      return { pass: !d, detail: d || 'every row matches' };
    },
  },
  {
    name: "the map holds pagetypeinfo's number of blocks per type",
    hint: 'count each record with nr_pages == 512 (a partial last block is not counted) for its migratetype (offset 12), at 704 + 8*migratetype',
    check: ({ k }) => {
      const s = needTable(k);
      if (s.fail) return { pass: false, detail: s.fail };
      const d = firstDiff(s.table.blocks, s.pti.blocks);
      return { pass: !d, detail: d || 'every type matches' };
    },
  },
  {
    name: 'the reported tables are those of the machine',
    hint: "lab.result({ free, blocks }) with the map's table named as pagetypeinfo names its rows: free: { Unmovable: [11 counts], ... }, blocks: { Unmovable: n, ... }",
    check: ({ k, result }) => {
      if (!k) return { pass: false, detail: 'no machine was booted' };
      const { pti } = atEnd(k);
      const d = firstDiff(result?.free, pti.free) || firstDiff(result?.blocks, pti.blocks);
      return { pass: !d, detail: d || 'both tables match' };
    },
  },
  {
    name: 'run again after the memory changed, the program gives the new tables',
    hint: 'compute everything from the records the iterator returns: nothing fixed in the program',
    check: ({ k }) => {
      const s = needTable(k);
      if (s.fail) return { pass: false, detail: s.fail };
      // More unmovable and reclaimable churn, then the program once more over a zeroed map.
      for (const [i, gfp] of ['GFP_KERNEL', 'GFP_KERNEL|__GFP_RECLAIMABLE'].entries()) k.mm.workloads.churn({ gfp, maxOrder: 4, live: 3000, seed: 7 + i }).run(6000);
      s.map.update(0, new Uint8Array(VALUE_SIZE));
      try {
        s.p.run();
      } catch (e) {
        return { pass: false, detail: `the program failed: ${e.message}` };
      }
      const now = k.mm.pagetypeinfo();
      if (same(now, s.pti)) return { pass: false, detail: 'the churn did not change pagetypeinfo (the machine has no free memory left?)' };
      const t = readTable(k, s.map);
      const d = firstDiff(t.free, now.free) || firstDiff(t.blocks, now.blocks);
      return { pass: !d, detail: d || 'both tables match the changed machine' };
    },
  },
];

// Lab 02, reference solution: one module-loading / BPF-JIT workload under each __GFP_UNMAPPED version.
const POLICIES = ['baseline', 'migratetype', 'cache', 'freetype'];
const SEED = 42;

/** mulberry32: a small seeded PRNG, so that the checker can replay exactly the same workload. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The workload (do not change it: the checker replays it): 20 rounds of background kernel allocations
 * (1500 GFP_KERNEL pages, then 30 % of everything held is freed at random), each round loading one module
 * (8K..256K of text) and three BPF programs (256 B..4K of JIT text) with execmem_alloc(), and unloading
 * at random so that at most 16 text images stay loaded.
 */
function workload(k) {
  const rnd = prng(7);
  let kern = [];
  const text = [];
  for (let round = 0; round < 20; round++) {
    for (const pfn of k.mm.alloc_pages_bulk('GFP_KERNEL', 1500, 0)) kern.push(pfn);
    const keep = [];
    const drop = [];
    for (const pfn of kern) (rnd() < 0.3 ? drop : keep).push(pfn);
    k.mm.__free_pages_bulk(drop, 0);
    kern = keep;
    text.push(k.mm.execmem_alloc(8192 + Math.floor(rnd() * 31) * 8192));
    for (let j = 0; j < 3; j++) text.push(k.mm.execmem_alloc(256 + Math.floor(rnd() * 3841)));
    while (text.length > 16) {
      const j = Math.floor(rnd() * text.length);
      if (text[j]) k.mm.execmem_free(text[j]);
      text.splice(j, 1);
    }
  }
}

const rows = [];
for (const policy of POLICIES) {
  const k = boot({ memory: '2G', seed: SEED, mm: { policy } });
  workload(k);
  const v = k.mm.vmstat();
  const level2 = v.direct_map_level2_splits;
  const level3 = v.direct_map_level3_splits;
  const walks = k.mm.tlb().access({ type: 'uniform', accesses: 1000000 }).walks;
  const snap = k.mm.snapshot();
  let unmapped = 0;
  for (let i = 0; i < snap.pageblocks; i++) unmapped += snap.unmapped[i];
  rows.push({ policy, level2, level3, splits: level2 + level3, DirectMap4k: k.mm.meminfo().DirectMap4k, walks, unmapped });
}

lab.table(rows, 'direct-map splits and TLB walks per policy');
lab.chart('splits and walks per 1M accesses', {
  splits: rows.map((r, i) => [i, r.splits]),
  'walks / 100': rows.map((r, i) => [i, r.walks / 100]),
}, { kind: 'bar', xlabel: POLICIES.join(', '), ylabel: 'count' });

const ranking = [...rows].sort((a, b) => a.splits - b.splits || a.walks - b.walks).map((r) => r.policy);
print('fewest splits first:', ranking.join(' < '));
lab.result({ seed: SEED, rows, ranking });

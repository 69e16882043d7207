// Lab 03, reference solution: mainline secretmem against a PMD-size pool of secret pages.
const SEED = 11;
const N = 2000; // secret pages the service needs: 100 per round, 20 rounds

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
 * The workload (do not change it: the checker replays it). 20 rounds: the kernel allocates 1500 GFP_KERNEL pages,
 * then frees 30 % of everything it holds at random; then the secret service takes 100 more secret pages.
 * `secret.take(n)` is where the secret pages come from. `probe(round)` is called after every round.
 */
function workload(k, secret, probe) {
  const rnd = prng(3);
  let held = [];
  for (let round = 0; round < 20; round++) {
    for (const pfn of k.mm.alloc_pages_bulk('GFP_KERNEL', 1500, 0)) held.push(pfn);
    const keep = [];
    const drop = [];
    for (const pfn of held) (rnd() < 0.3 ? drop : keep).push(pfn);
    k.mm.__free_pages_bulk(drop, 0);
    held = keep;
    secret.take(100);
    probe(round);
  }
}

/** Mainline: every secret page is one memfd_secret fault (one order-0 page leaves the direct map). */
function memfdSecret(k) {
  const file = k.mm.memfd_secret();
  let next = 0;
  return {
    take(n) {
      for (let i = 0; i < n; i++) file.fault(next++);
    },
  };
}

/**
 * The 2020 design (secretmem v8, not merged): a pool filled with PMD-size chunks; a chunk leaves the direct map
 * all at once (set_memory_np over the whole 2M leaf: CPA rewrites the leaf in place, no PTE table), and secret
 * pages are handed out of it.
 */
function pmdPool(k) {
  const free = [];
  return {
    chunks: 0,
    take(n) {
      while (free.length < n) {
        const chunk = k.mm.alloc_pages('GFP_KERNEL', 9);
        if (!chunk) throw new KernelError('ENOMEM', 'no 2M chunk left');
        k.mm.set_memory_np(chunk, 512);
        this.chunks++;
        for (let i = 0; i < 512; i++) free.push(chunk.pfn + i);
      }
      return free.splice(0, n);
    },
  };
}

function unmappedPages(k) {
  const s = k.mm.snapshot();
  let n = 0;
  for (let i = 0; i < s.pageblocks; i++) n += s.unmapped[i];
  return n;
}

function measure(k) {
  const v = k.mm.vmstat();
  const m = k.mm.meminfo();
  const st = k.mm.stats();
  return {
    level2: v.direct_map_level2_splits,
    level3: v.direct_map_level3_splits,
    DirectMap4k: m.DirectMap4k,
    DirectMap2M: m.DirectMap2M,
    DirectMap1G: m.DirectMap1G,
    unmapped: unmappedPages(k),
    flush_tlb_all: st.flush_tlb_all,
    page_table_pages: st.page_table_pages,
  };
}

const curve = { mainline: [], pool: [] };

const k1 = boot({ memory: '4G', seed: SEED });
workload(k1, memfdSecret(k1), (r) => {
  const v = k1.mm.vmstat();
  curve.mainline.push([(r + 1) * 100, v.direct_map_level2_splits + v.direct_map_level3_splits]);
});
const naive = measure(k1);

const k2 = boot({ memory: '4G', seed: SEED });
const pool = pmdPool(k2);
workload(k2, pool, (r) => {
  const v = k2.mm.vmstat();
  curve.pool.push([(r + 1) * 100, v.direct_map_level2_splits + v.direct_map_level3_splits]);
});
const pooled = { ...measure(k2), chunks: pool.chunks };

lab.chart('direct-map splits as secret pages grow', curve, { xlabel: 'secret pages', ylabel: 'splits (level 2 + level 3)' });
lab.table([{ design: 'memfd_secret (mainline)', ...naive }, { design: 'PMD pool (v8)', ...pooled }]);
const saved = naive.level2 + naive.level3 - (pooled.level2 + pooled.level3);
print(`the pool saves ${saved} splits for ${pooled.unmapped - N} pages kept unmapped but unused`);
lab.result({ N, naive, pooled, saved });

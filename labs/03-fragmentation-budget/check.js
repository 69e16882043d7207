// Lab 03's criteria: they replay the workload on a reference machine for mainline, and read the direct map,
// the allocator and the split counters of the pooled machine itself, so printed numbers alone do not pass.
const N = 2000;
const CHUNK = 512;

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

/** The README's workload on a host machine, with mainline memfd_secret as the source of secret pages. */
function mainlineReplay(k) {
  const rnd = prng(3);
  const file = k.mm.memfd_secret();
  let next = 0;
  let held = [];
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 1500; i++) {
      const p = k.mm.alloc_pages('GFP_KERNEL', 0);
      if (!p) break;
      held.push(p.pfn);
    }
    const keep = [];
    for (const pfn of held) {
      if (rnd() < 0.3) k.mm.__free_pages(pfn, 0);
      else keep.push(pfn);
    }
    held = keep;
    for (let i = 0; i < 100; i++) file.fault(next++);
  }
}

/** How many background pages the workload holds at its end (the draws decide it, not which pfns they hit). */
function heldAtEnd() {
  const rnd = prng(3);
  let held = 0;
  for (let round = 0; round < 20; round++) {
    held += 1500;
    let keep = 0;
    for (let i = 0; i < held; i++) if (!(rnd() < 0.3)) keep++;
    held = keep;
  }
  return held;
}

const memo = new Map();
function reference(boot, seed) {
  if (!memo.has(seed)) {
    const k = boot({ memory: '4G', seed });
    mainlineReplay(k);
    const v = k.mm.vmstat();
    memo.set(seed, { level2: v.direct_map_level2_splits, level3: v.direct_map_level3_splits });
  }
  return memo.get(seed);
}

function unmappedByBlock(k) {
  const s = k.mm.snapshot();
  return Array.from(s.unmapped);
}
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const secretPages = (k) => [...k.mm.secretFiles].reduce((n, f) => n + f.nr_pages, 0);
const inUse = (k) => k.mm.managed_pages - k.mm.nrFreePages() - k.mm.pcpCount(); // every zone

const FIELDS = ['level2', 'level3', 'DirectMap4k', 'DirectMap2M', 'DirectMap1G', 'unmapped'];
function measured(k) {
  const v = k.mm.vmstat();
  const m = k.mm.meminfo();
  return {
    level2: v.direct_map_level2_splits,
    level3: v.direct_map_level3_splits,
    DirectMap4k: m.DirectMap4k,
    DirectMap2M: m.DirectMap2M,
    DirectMap1G: m.DirectMap1G,
    unmapped: sum(unmappedByBlock(k)),
  };
}
function sameAs(reported, k) {
  const want = measured(k);
  const bad = FIELDS.filter((f) => !reported || reported[f] !== want[f]);
  return { pass: bad.length === 0, detail: bad.length ? `these fields are not what the machine measures: ${bad.join(', ')}` : undefined };
}

export default [
  {
    name: 'boots two 4 GiB machines with the same seed',
    hint: "the first for mainline memfd_secret, the second for your pool: boot({ memory: '4G', seed: SEED }) twice",
    check: ({ kernels }) =>
      kernels.length >= 2 && kernels.slice(0, 2).every((k) => k.mm.nframes * 4096 === 4 * 2 ** 30) && kernels[0].seed === kernels[1].seed,
  },
  {
    name: 'the first machine ran the workload with mainline memfd_secret',
    hint: 'workload(k1, memfdSecret(k1), ...): 2000 faults of one memfd_secret file; its splits must be those of a reference replay',
    check: ({ kernels, boot }) => {
      const k = kernels[0];
      if (!k) return false;
      const ref = reference(boot, k.seed);
      const v = k.mm.vmstat();
      const ok = secretPages(k) === N && v.direct_map_level2_splits === ref.level2 && v.direct_map_level3_splits === ref.level3;
      return { pass: ok, detail: `secret pages ${secretPages(k)}; splits ${v.direct_map_level2_splits}+${v.direct_map_level3_splits}, the replay gives ${ref.level2}+${ref.level3}` };
    },
  },
  {
    name: 'the pool takes whole 2 MiB chunks out of the direct map, no more than it needs',
    hint: `every pageblock is either wholly mapped or wholly unmapped, and ceil(${N} / 512) chunks are unmapped`,
    check: ({ kernels }) => {
      const k = kernels[1];
      if (!k) return false;
      const blocks = unmappedByBlock(k);
      const partial = blocks.filter((n) => n !== 0 && n !== CHUNK).length;
      const total = sum(blocks);
      const ok = partial === 0 && total === Math.ceil(N / CHUNK) * CHUNK && secretPages(k) === 0;
      return { pass: ok, detail: `${total} pages unmapped, ${partial} pageblocks partly unmapped, ${secretPages(k)} memfd_secret pages` };
    },
  },
  {
    name: 'the pool splits no 2 MiB leaf, and at most one 1 GiB leaf',
    hint: 'set_memory_np() over a whole, 2M-aligned leaf rewrites it in place (CPA "preserved"); one page at a time splits it',
    check: ({ kernels }) => {
      const k = kernels[1];
      if (!k) return false;
      const v = k.mm.vmstat();
      return { pass: v.direct_map_level2_splits === 0 && v.direct_map_level3_splits <= 1, detail: `${v.direct_map_level2_splits} level-2 and ${v.direct_map_level3_splits} level-3 splits` };
    },
  },
  {
    name: 'the pool machine ran the same workload',
    hint: 'call workload(k2, pool, ...) once: the background pages it holds, your chunks and the page tables must be all that is in use',
    check: ({ kernels }) => {
      const k = kernels[1];
      if (!k) return false;
      const want = heldAtEnd() + sum(unmappedByBlock(k)) + k.mm.stats().page_table_pages;
      return { pass: inUse(k) === want, detail: `${inUse(k)} pages in use: more than your secret pages, their page tables and what the workload holds` };
    },
  },
  {
    name: 'the reported figures are those of the machines',
    hint: 'naive and pooled: level2, level3 (vmstat), DirectMap4k/2M/1G (meminfo), unmapped (the sum of snapshot().unmapped)',
    check: ({ result, kernels }) => {
      if (kernels.length < 2 || !result) return false;
      const a = sameAs(result.naive, kernels[0]);
      const b = sameAs(result.pooled, kernels[1]);
      const saved = a.pass && b.pass && result.saved === result.naive.level2 + result.naive.level3 - result.pooled.level2 - result.pooled.level3;
      return { pass: a.pass && b.pass && saved, detail: [a.detail && `naive: ${a.detail}`, b.detail && `pooled: ${b.detail}`, !saved && 'saved = naive splits - pooled splits'].filter(Boolean).join('; ') };
    },
  },
];

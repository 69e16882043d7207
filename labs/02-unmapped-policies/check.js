// Lab 02's criteria. They replay the lab's workload on fresh reference machines (same seed) and compare with the
// machines the script booted and with what it reports, so a script that only prints numbers does not pass.
const POLICIES = ['baseline', 'migratetype', 'cache', 'freetype'];

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

/** The README's workload, on a host machine (alloc_pages_bulk is nr_pages calls of alloc_pages, stopping at NULL). */
function workload(k) {
  const rnd = prng(7);
  let kern = [];
  const text = [];
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 1500; i++) {
      const p = k.mm.alloc_pages('GFP_KERNEL', 0);
      if (!p) break;
      kern.push(p.pfn);
    }
    const keep = [];
    for (const pfn of kern) {
      if (rnd() < 0.3) k.mm.__free_pages(pfn, 0);
      else keep.push(pfn);
    }
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

function unmappedPages(k) {
  const s = k.mm.snapshot();
  let n = 0;
  for (let i = 0; i < s.pageblocks; i++) n += s.unmapped[i];
  return n;
}

// Reference figures per (seed, policy), computed once per process (the TLB replay takes a while).
const memo = new Map();
function reference(boot, seed, policy) {
  const key = `${seed}/${policy}`;
  if (!memo.has(key)) {
    const k = boot({ memory: '2G', seed, mm: { policy } });
    workload(k);
    const v = k.mm.vmstat();
    memo.set(key, {
      level2: v.direct_map_level2_splits,
      level3: v.direct_map_level3_splits,
      walks: k.mm.tlb().access({ type: 'uniform', accesses: 1000000 }).walks,
      unmapped: unmappedPages(k),
    });
  }
  return memo.get(key);
}

/** The script's machine for each policy (the last one booted with it). */
function machines(kernels) {
  const out = {};
  for (const k of kernels) out[k.mm.policy] = k;
  return out;
}

const rowsOf = (result) => (result && Array.isArray(result.rows) ? result.rows : []);
const rowFor = (result, policy) => rowsOf(result).find((r) => r && r.policy === policy);

export default [
  {
    name: 'boots one 2 GiB machine per policy, all with the same seed',
    hint: "boot({ memory: '2G', seed: SEED, mm: { policy } }) for each of baseline, migratetype, cache, freetype",
    check: ({ kernels }) => {
      const m = machines(kernels);
      const ks = POLICIES.map((p) => m[p]);
      const ok = ks.every((k) => k && k.mm.nframes * 4096 === 2 * 2 ** 30) && new Set(ks.map((k) => k && k.seed)).size === 1;
      return { pass: ok, detail: `policies booted: ${Object.keys(m).join(', ') || 'none'}` };
    },
  },
  {
    name: 'every machine ran the whole workload',
    hint: 'call workload(k) once on each machine, before measuring; its direct map must end as a reference machine replaying the workload does',
    check: ({ kernels, boot }) => {
      const m = machines(kernels);
      const bad = [];
      for (const p of POLICIES) {
        const k = m[p];
        if (!k) return { pass: false, detail: `no ${p} machine` };
        const ref = reference(boot, k.seed, p);
        const v = k.mm.vmstat();
        if (v.direct_map_level2_splits !== ref.level2 || v.direct_map_level3_splits !== ref.level3) {
          bad.push(`${p}: ${v.direct_map_level2_splits}+${v.direct_map_level3_splits} splits, the workload gives ${ref.level2}+${ref.level3}`);
        }
      }
      return { pass: bad.length === 0, detail: bad.join('; ') };
    },
  },
  {
    name: 'the split counts are read from /proc/vmstat',
    hint: 'level2 = direct_map_level2_splits, level3 = direct_map_level3_splits, splits = their sum, one row per policy',
    check: ({ result, kernels }) => {
      const m = machines(kernels);
      const bad = POLICIES.filter((p) => {
        const r = rowFor(result, p);
        const k = m[p];
        if (!r || !k) return true;
        const v = k.mm.vmstat();
        return r.level2 !== v.direct_map_level2_splits || r.level3 !== v.direct_map_level3_splits || r.splits !== r.level2 + r.level3;
      });
      return { pass: bad.length === 0, detail: bad.length ? `wrong or missing rows: ${bad.join(', ')}` : undefined };
    },
  },
  {
    name: 'the TLB walks per 1M accesses are right',
    hint: "after the workload, k.mm.tlb().access({ type: 'uniform', accesses: 1000000 }).walks on each machine",
    check: ({ result, kernels, boot }) => {
      const m = machines(kernels);
      const bad = [];
      for (const p of POLICIES) {
        const r = rowFor(result, p);
        if (!r || !m[p]) return { pass: false, detail: `no ${p} row or machine` };
        const ref = reference(boot, m[p].seed, p);
        if (r.walks !== ref.walks) bad.push(`${p}: you reported ${r.walks} walks, not what the TLB model counts`);
      }
      return { pass: bad.length === 0, detail: bad.join('; ') };
    },
  },
  {
    name: 'the memory kept out of the direct map is counted',
    hint: 'unmapped = the sum of k.mm.snapshot().unmapped over all pageblocks (4K pages absent from the direct map)',
    check: ({ result, kernels }) => {
      const m = machines(kernels);
      const bad = POLICIES.filter((p) => !m[p] || rowFor(result, p)?.unmapped !== unmappedPages(m[p]));
      return { pass: bad.length === 0, detail: bad.length ? `wrong for ${bad.join(', ')}` : undefined };
    },
  },
  {
    name: 'the ranking (fewest splits first) is right',
    hint: 'ranking: the four policy names ordered by total splits, fewest first (ties in any order)',
    check: ({ result, kernels, boot }) => {
      const rk = result && result.ranking;
      if (!Array.isArray(rk) || rk.length !== 4 || new Set(rk).size !== 4 || !rk.every((p) => POLICIES.includes(p))) {
        return { pass: false, detail: 'ranking must list the four policies once each' };
      }
      const seed = kernels[0] ? kernels[0].seed : 1;
      const splits = rk.map((p) => {
        const r = reference(boot, seed, p);
        return r.level2 + r.level3;
      });
      const ok = splits.every((s, i) => i === 0 || splits[i - 1] <= s) && splits[0] < splits[3];
      return { pass: ok, detail: `splits in your order: ${splits.join(', ')}` };
    },
  },
];

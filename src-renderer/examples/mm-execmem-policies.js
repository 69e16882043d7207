// Module / BPF JIT text (execmem_alloc) under each unmapped-allocation policy: mainline splits the
// direct map where each text area lands; the proposals cache unmapped pageblocks so splits stay at 2M.
const rows = [];
const series = [];
for (const policy of ['baseline', 'migratetype', 'cache', 'freetype']) {
  const k = boot({ memory: '4G', mm: { policy } });
  const points = [];
  for (let i = 1; i <= 32; i++) {
    // Other kernel allocations land between the text areas, as they do on a running system.
    for (let j = 0; j < 600; j++) k.mm.alloc_pages('GFP_KERNEL', 0);
    const text = k.mm.execmem_alloc('64K');
    if (text) k.mm.set_memory_rox(text); // what the module loader and the BPF JIT do with their text
    if (i % 4 === 0) points.push([i, k.mm.meminfo().DirectMap4k]);
  }
  const m = k.mm.meminfo();
  const v = k.mm.vmstat();
  rows.push({
    policy,
    DirectMap4k: m.DirectMap4k,
    DirectMap2M: m.DirectMap2M,
    DirectMap1G: m.DirectMap1G,
    level2_splits: v.direct_map_level2_splits,
    level3_splits: v.direct_map_level3_splits,
  });
  series.push({ label: policy, points });
}
lab.table(rows, 'direct map after 32 execmem_alloc(64K)');
lab.chart('DirectMap4k (kB) as text areas are allocated', series, { xlabel: 'execmem_alloc calls', ylabel: 'kB' });
lab.result(rows);

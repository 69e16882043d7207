// set_memory_ro() on one 4K page of each of 64 blocks of 2M: each call splits the leaf that maps it.
// Shows buddyinfo and the direct-map lines as the map fragments.
const k = boot({ memory: '16G', seed: lab.seed });
const blocks = [];
for (let i = 0; i < 64; i++) {
  const b = k.mm.alloc_pages('GFP_KERNEL', 9);
  if (b) blocks.push(b);
}
const points = [];
blocks.forEach((b, i) => {
  k.mm.set_memory_ro(b.pfn, 1);
  points.push([i + 1, k.mm.vmstat().direct_map_level2_splits]);
});
print(k.mm.procfs('buddyinfo'));
print(k.mm.procfs('meminfo').split('\n').filter((l) => l.startsWith('DirectMap')).join('\n'));
lab.chart('level-2 splits per set_memory_ro() call', [{ label: 'direct_map_level2_splits', points }], {
  xlabel: 'calls',
  ylabel: 'splits',
});

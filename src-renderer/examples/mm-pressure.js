// Memory under pressure: a workload fills a 64M machine and shows, in order, reclaim,
// compaction on a high-order failure, and a GFP_KERNEL failure at the min watermark.
// Each act prints the /proc/vmstat counters that moved; the chart follows DMA32's free
// pages against its watermarks (/proc/zoneinfo); the memory panel charts every zone's free
// pages with kswapd, direct reclaim, compaction and the failure marked where they happened.
const k = boot({ memory: '64M' });
const dma32 = () => k.mm.zoneinfo().find((z) => z.zone === 'DMA32');
const { min, low, high } = dma32();
print(`DMA32 watermarks: min ${min}, low ${low}, high ${high} pages (min_free_kbytes ${k.mm.min_free_kbytes})`);

const series = { free: [], min: [], low: [], high: [] };
const events = { reclaimed: [], compacted: [] };
let t = 0;
const sample = () => {
  const v = k.mm.vmstat();
  series.free.push([t, dma32().free]);
  series.min.push([t, min]);
  series.low.push([t, low]);
  series.high.push([t, high]);
  events.reclaimed.push([t, v.pgsteal_kswapd + v.pgsteal_direct]);
  events.compacted.push([t, v.pgmigrate_success]);
  t++;
};
/** The vmstat counters that moved since `before`. */
const moved = (before, names) => {
  const v = k.mm.vmstat();
  return Object.fromEntries(names.map((n) => [n, v[n] - before[n]]));
};

// Act 1: two files are read page by page in turn until kswapd has reclaimed 2,000 pages.
let v0 = k.mm.vmstat();
let index = 0;
while (k.mm.vmstat().pgsteal_kswapd < 2000) {
  for (let i = 0; i < 64; i++, index++) {
    k.mm.filemap_read('a', 1, index);
    k.mm.filemap_read('b', 1, index);
  }
  sample();
}
const m = k.mm.meminfo();
print(`\n1. reclaim: ${index} pages of each file read; kswapd woke at low and reclaimed the oldest cache`);
print(`   MemFree ${m.MemFree} kB < MemAvailable ${m.MemAvailable} kB while Cached is ${m.Cached} kB`);
print(
  '   ' +
    JSON.stringify(moved(v0, ['pageoutrun', 'pgscan_kswapd', 'pgsteal_kswapd', 'pgsteal_file', 'allocstall_normal'])),
);
lab.assert(m.MemAvailable > m.MemFree && m.Cached > 0, 'reclaimable cache counts as available');

// Act 2: file b is truncated (order-0 holes between a's pages), then a driver asks for 4 MiB.
const freed = k.mm.truncate('b');
const buddy = k.mm.buddyinfo();
print(`\n2. truncate('b') freed ${freed} pages; DMA32's free blocks per order: ${buddy.join(' ')}`);
v0 = k.mm.vmstat();
const big = k.mm.alloc_pages('GFP_KERNEL', 10);
sample();
print(`   alloc_pages(GFP_KERNEL, 10) -> ${big ? 'pfn ' + big.pfn : 'NULL'} after direct compaction`);
print(
  '   ' +
    JSON.stringify(
      moved(v0, [
        'compact_stall',
        'compact_success',
        'compact_fail',
        'compact_migrate_scanned',
        'compact_free_scanned',
        'pgmigrate_success',
      ]),
    ),
);
lab.assert(
  big !== null && k.mm.vmstat().compact_stall > v0.compact_stall,
  'the order-10 request was met by compaction',
);

// Act 3: the kernel takes unmovable pages until one is refused.
v0 = k.mm.vmstat();
let kernelPages = 0;
for (;;) {
  let ok = true;
  for (let i = 0; i < 64 && ok; i++) ok = k.mm.alloc_pages('GFP_KERNEL', 0) !== null;
  if (ok) kernelPages += 64;
  sample();
  if (!ok) break;
}
const z = dma32();
print(`\n3. about ${kernelPages} GFP_KERNEL pages later alloc_pages(GFP_KERNEL, 0) -> NULL`);
print(`   DMA32 free ${z.free} = min ${z.min}; Cached ${k.mm.meminfo().Cached} kB (reclaim took it all first)`);
print('   ' + JSON.stringify(moved(v0, ['pgsteal_kswapd', 'pgsteal_direct', 'allocstall_normal', 'nr_free_pages'])));
lab.assert(z.free === z.min, 'the failure came at the min watermark');

lab.chart('DMA32 free pages against its watermarks', series, { xlabel: 'step', ylabel: 'pages' });
lab.chart('reclaim and compaction (cumulative pages)', events, { xlabel: 'step', ylabel: 'pages' });
print(
  '\n' +
    k.mm
      .procfs('vmstat')
      .split('\n')
      .filter((l) =>
        /^(pgsteal|pgscan|compact_(stall|success|fail)|pgmigrate|allocstall_(dma32|normal)|pageoutrun)/.test(l),
      )
      .join('\n'),
);
lab.result({
  reclaimed: k.mm.vmstat().pgsteal_kswapd,
  compact_success: k.mm.vmstat().compact_success,
  failed_at_min: z.free === z.min,
});

// memfd_secret(2): every page a secret file faults in leaves the direct map, which splits
// the 1G / 2M leaf that covered it down to 4K PTEs. Watch the Memory panel (4K overlay).
const k = boot({ memory: '8G' });
const direct = () => {
  const m = k.mm.meminfo();
  return { DirectMap4k: m.DirectMap4k, DirectMap2M: m.DirectMap2M, DirectMap1G: m.DirectMap1G };
};
print('before:', direct());
const s = k.mm.memfd_secret();
const splits = [];
for (let i = 0; i < 256; i++) {
  s.fault(i);
  const v = k.mm.vmstat();
  splits.push([i + 1, v.direct_map_level2_splits + v.direct_map_level3_splits]);
}
print('after 256 secret pages:', direct());
print(k.mm.procfs('vmstat').split('\n').filter((l) => l.startsWith('direct_map')).join('\n'));
lab.chart('direct-map splits while faulting secret pages', [{ label: 'splits', points: splits }], {
  xlabel: 'secret pages faulted',
  ylabel: 'splits',
});
s.close();
print('after close:', direct());
lab.result(direct());

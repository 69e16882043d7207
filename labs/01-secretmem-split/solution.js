// Lab 01, reference solution.
const k = boot({ memory: '4G' });

function directMap(meminfoText) {
  const out = {};
  for (const line of meminfoText.split('\n')) {
    const m = /^(DirectMap\w+):\s+(\d+) kB$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

const before = directMap(k.mm.procfs('meminfo'));
const secret = k.mm.memfd_secret();
const page = secret.fault(0);
print('faulted pfn', page.pfn, '->', k.mm.lookup_address(page));
const after = directMap(k.mm.procfs('meminfo'));
const vmstat = k.mm.vmstat();
const splits = { level2: vmstat.direct_map_level2_splits, level3: vmstat.direct_map_level3_splits };
print({ before, after, splits });
lab.result({ before, after, splits });

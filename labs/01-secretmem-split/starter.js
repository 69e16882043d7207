// Lab 01: secret memory splits the direct map.
const k = boot({ memory: '4G' });

/** Parses the DirectMap lines of /proc/meminfo's text into { DirectMap4k, DirectMap2M, DirectMap1G } (kB). */
function directMap(meminfoText) {
  const out = {};
  // TODO: find the lines that start with "DirectMap" and read their numbers.
  return out;
}

const before = directMap(k.mm.procfs('meminfo'));

// TODO: open a memfd_secret file and fault in its first page.

const after = directMap(k.mm.procfs('meminfo'));
const vmstat = k.mm.vmstat();

lab.result({
  before,
  after,
  splits: { level2: 0, level3: 0 }, // TODO: from vmstat
});

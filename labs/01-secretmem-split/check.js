// Lab 01's criteria. Each compares what the script reports with the machines it really booted (or with a fresh
// reference machine), so printing the expected numbers without doing the work does not pass.
const DM = ['DirectMap4k', 'DirectMap2M', 'DirectMap1G'];
const pick = (meminfo) => Object.fromEntries(DM.map((k) => [k, meminfo[k]]));
const same = (a, b) => !!a && DM.every((k) => a[k] === b[k]);
/** Which lines of a report are wrong, by name only: the feedback never gives the expected kB away. */
const wrong = (got, want) =>
  !got || typeof got !== 'object' ? 'you reported no DirectMap lines here' : `these lines are not what /proc/meminfo says: ${DM.filter((k) => got[k] !== want[k]).join(', ')}`;

export default [
  {
    name: 'boots a 4 GiB machine',
    hint: "boot({ memory: '4G' })",
    check: ({ k }) => !!k && k.mm.nframes * 4096 === 4 * 2 ** 30,
  },
  {
    name: 'faults in a secret memory page',
    hint: 'k.mm.memfd_secret() gives a file; file.fault(0) maps its first page (and removes it from the direct map)',
    check: ({ k }) => !!k && k.mm.meminfo().DirectMap4k > 0 && [...k.mm.secretFiles].some((f) => f.nr_pages > 0),
  },
  {
    name: '"before" is the direct map at boot, read from /proc/meminfo',
    hint: 'parse the DirectMap lines of k.mm.procfs("meminfo") before touching any secret memory',
    check: ({ result, boot }) => {
      const expected = pick(boot({ memory: '4G' }).mm.meminfo());
      const got = result?.before;
      return { pass: same(got, expected), detail: wrong(got, expected) };
    },
  },
  {
    name: '"after" is the direct map of your machine now',
    hint: 'read the DirectMap lines again after the fault',
    check: ({ result, k }) => {
      if (!k) return { pass: false, detail: 'your script booted no machine' };
      const expected = pick(k.mm.meminfo());
      return { pass: same(result?.after, expected), detail: wrong(result?.after, expected) };
    },
  },
  {
    name: 'the split counters are those of /proc/vmstat',
    hint: 'k.mm.vmstat().direct_map_level2_splits and direct_map_level3_splits',
    check: ({ result, k }) => {
      if (!k) return { pass: false, detail: 'your script booted no machine' };
      const v = k.mm.vmstat();
      const s = result?.splits;
      return !!s && s.level2 === v.direct_map_level2_splits && s.level3 === v.direct_map_level3_splits && s.level2 > 0;
    },
  },
  {
    name: 'the direct map still maps all memory',
    hint: 'DirectMap4k + DirectMap2M + DirectMap1G should add up to the same total before and after: a split moves memory between page sizes',
    check: ({ result }) => {
      const sum = (o) => (o ? DM.reduce((n, k) => n + (o[k] ?? 0), 0) : NaN);
      return sum(result?.before) === sum(result?.after) && sum(result?.before) > 0;
    },
  },
];

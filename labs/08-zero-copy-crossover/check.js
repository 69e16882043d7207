// Lab 08's criteria. The engine is deterministic for a seed, so the checker recomputes every point on fresh
// reference machines and compares; it also reads the devices of the machines the script booted.
const PATHS = ['copy', 'zero_copy', 'auto_buf_reg'];
const SIZES = [4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576];
const TOL = 0.005; // relative: room for rounding only

function point(boot, seed, path, bs) {
  const k = boot({ memory: '64M', seed });
  const dev = k.ublk.add_dev({ dev_size: '256M', queue_depth: 64, max_io_buf_bytes: '1M', data_path: path, target: 'loop' });
  dev.start_dev();
  return k.ublk.fio({ dev, rw: 'randread', bs, iodepth: 32, ios: 256 }).iops;
}

const memo = new Map();
function reference(boot, seed) {
  if (!memo.has(seed)) {
    const table = {};
    for (const path of PATHS) table[path] = SIZES.map((bs) => point(boot, seed, path, bs));
    memo.set(seed, table);
  }
  return memo.get(seed);
}

const near = (a, b) => typeof a === 'number' && Math.abs(a - b) <= TOL * Math.abs(b);
const seedOf = (kernels) => (kernels[0] ? kernels[0].seed : 1);
const rowOf = (result, bs) => (result && Array.isArray(result.rows) ? result.rows.find((r) => r && r.bs === bs) : undefined);

export default [
  {
    name: 'one fresh machine per point, each with a started loop device on its data path',
    hint: "for each data path and block size: boot({ memory: '64M', seed: SEED }), add_dev({ data_path, target: 'loop', ... }), start_dev(), one fio run",
    check: ({ kernels }) => {
      const count = Object.fromEntries(PATHS.map((p) => [p, 0]));
      for (const k of kernels) {
        const devs = k.ublk.devs;
        if (devs.length !== 1) continue;
        const d = devs[0];
        if (d.target.kind === 'loop' && d.info().state_name === 'UBLK_S_DEV_LIVE' && d.stats().completed >= 256 && d.stats().errors === 0 && d.path in count) count[d.path]++;
      }
      const pass = PATHS.every((p) => count[p] >= SIZES.length) && new Set(kernels.map((k) => k.seed)).size === 1;
      return { pass, detail: `machines per path: ${JSON.stringify(count)}` };
    },
  },
  {
    name: 'the IOPS you report are those of the engine',
    hint: "rows: [{ bs, copy, zero_copy, auto_buf_reg }] for every block size from 4K to 1M, the fio run's iops of each point",
    check: ({ result, kernels, boot }) => {
      const ref = reference(boot, seedOf(kernels));
      const bad = [];
      SIZES.forEach((bs, i) => {
        const row = rowOf(result, bs);
        for (const p of PATHS) if (!row || !near(row[p], ref[p][i])) bad.push(`${bs / 1024}K ${p}: ${row ? `you reported ${row[p]}, not the engine's IOPS` : 'no row'}`);
      });
      return { pass: bad.length === 0, detail: bad.slice(0, 4).join('; ') };
    },
  },
  {
    name: 'the crossover is where explicit zero copy first beats copy',
    hint: 'crossover: the smallest block size (bytes) at which zero_copy gives more IOPS than copy',
    check: ({ result, kernels, boot }) => {
      const ref = reference(boot, seedOf(kernels));
      const i = SIZES.findIndex((_, j) => ref.zero_copy[j] > ref.copy[j]);
      const want = i < 0 ? null : SIZES[i];
      return { pass: !!result && result.crossover === want, detail: `you reported ${JSON.stringify(result?.crossover) ?? 'nothing'}` };
    },
  },
  {
    name: 'the gains are computed from the measurements',
    hint: 'gain_64k = zero_copy / copy IOPS at 64K; auto_gain_4k = auto_buf_reg / zero_copy IOPS at 4K',
    check: ({ result, kernels, boot }) => {
      const ref = reference(boot, seedOf(kernels));
      const i4 = SIZES.indexOf(4096);
      const i64 = SIZES.indexOf(65536);
      const g64 = ref.zero_copy[i64] / ref.copy[i64];
      const a4 = ref.auto_buf_reg[i4] / ref.zero_copy[i4];
      const pass = !!result && near(result.gain_64k, g64) && near(result.auto_gain_4k, a4);
      const off = [!!result && near(result.gain_64k, g64) ? '' : 'gain_64k', !!result && near(result.auto_gain_4k, a4) ? '' : 'auto_gain_4k'].filter(Boolean);
      return { pass, detail: `not the ratio of the engine's IOPS: ${off.join(', ')}` };
    },
  },
];

// Lab 09's criteria. The engine is deterministic for a seed: the checker recomputes every point on fresh
// reference machines and compares, and it reads the devices of the machines the script booted.
const PATHS = ['copy', 'zero_copy', 'auto_buf_reg', 'ebpf'];
const SIZES = [4096, 65536, 262144, 1048576];
const DEPTHS = [1, 32];
const TOL = 0.005;

function point(boot, seed, path, bs, qd) {
  const k = boot({ memory: '64M', seed });
  const dev = k.ublk.add_dev({ dev_size: '256M', queue_depth: 64, max_io_buf_bytes: '1M', target: 'stripe', nr_files: 4, chunk: '64K', data_path: path });
  dev.start_dev();
  const r = k.ublk.fio({ dev, rw: 'randread', bs, iodepth: qd, ios: qd === 1 ? 64 : 256 });
  const busy = r.cpu.app.reduce((a, b) => a + b, 0) + r.cpu.server.reduce((a, b) => a + b, 0);
  return { iops: r.iops, p50: r.lat.p50, cpu_us_per_io: ((busy / 100) * (r.runtime_ns / 1000)) / r.ios };
}

const memo = new Map();
function reference(boot, seed) {
  if (!memo.has(seed)) {
    const t = {};
    for (const qd of DEPTHS) for (const bs of SIZES) for (const path of PATHS) t[`${path}/${qd}/${bs}`] = point(boot, seed, path, bs, qd);
    memo.set(seed, t);
  }
  return memo.get(seed);
}

const near = (a, b) => typeof a === 'number' && Math.abs(a - b) <= TOL * Math.abs(b) + 1e-9;
const seedOf = (kernels) => (kernels[0] ? kernels[0].seed : 1);
const rowOf = (result, path, qd, bs) =>
  result && Array.isArray(result.rows) ? result.rows.find((r) => r && r.path === path && r.qd === qd && r.bs === bs) : undefined;

export default [
  {
    name: 'one fresh machine per point, each with a started stripe device over 4 files with 64K chunks',
    hint: "boot({ memory: '64M', seed: SEED }) per point; add_dev({ target: 'stripe', nr_files: 4, chunk: '64K', data_path, ... }), start_dev()",
    check: ({ kernels }) => {
      const count = Object.fromEntries(PATHS.map((p) => [p, 0]));
      for (const k of kernels) {
        if (k.ublk.devs.length !== 1) continue;
        const d = k.ublk.devs[0];
        const t = d.target;
        if (t.kind === 'stripe' && t.files.length === 4 && d.info().state_name === 'UBLK_S_DEV_LIVE' && d.stats().errors === 0 && d.stats().completed >= 64 && d.path in count) count[d.path]++;
      }
      const pass = PATHS.every((p) => count[p] >= SIZES.length * DEPTHS.length) && new Set(kernels.map((k) => k.seed)).size === 1;
      return { pass, detail: `machines per path: ${JSON.stringify(count)}` };
    },
  },
  {
    name: 'the eBPF devices served their I/O in the kernel, without the server',
    hint: "data_path: 'ebpf' runs the program at queue_rq: every request must be taken by it (dev.stats().bpf_handled)",
    check: ({ kernels }) => {
      const ebpf = kernels.filter((k) => k.ublk.devs.length === 1 && k.ublk.devs[0].path === 'ebpf').map((k) => k.ublk.devs[0].stats());
      const pass = ebpf.length >= SIZES.length * DEPTHS.length && ebpf.every((s) => s.bpf_handled === s.completed && s.dispatched === 0 && s.completed > 0);
      return { pass, detail: `${ebpf.length} eBPF devices` };
    },
  },
  {
    name: 'every point you report is the engine’s',
    hint: 'rows: one { path, qd, bs, iops, p50, cpu_us_per_io } per data path, iodepth (1, 32) and block size (4K, 64K, 256K, 1M)',
    check: ({ result, kernels, boot }) => {
      const ref = reference(boot, seedOf(kernels));
      const bad = [];
      for (const qd of DEPTHS) for (const bs of SIZES) for (const path of PATHS) {
        const row = rowOf(result, path, qd, bs);
        const want = ref[`${path}/${qd}/${bs}`];
        if (!row || !near(row.iops, want.iops) || !near(row.p50, want.p50) || !near(row.cpu_us_per_io, want.cpu_us_per_io)) {
          bad.push(`${path} qd${qd} ${bs / 1024}K (expected iops ${Math.round(want.iops)}, p50 ${want.p50.toFixed(2)}, cpu ${want.cpu_us_per_io.toFixed(2)})`);
        }
      }
      return { pass: bad.length === 0, detail: bad.slice(0, 3).join('; ') };
    },
  },
  {
    name: 'the offload gain over AUTO_BUF_REG, and where it falls under 10 %',
    hint: "offload_gain['qd/bs'] = ebpf IOPS / auto_buf_reg IOPS; converge[qd] = the smallest block size where that gain is below 1.1 (or null)",
    check: ({ result, kernels, boot }) => {
      const ref = reference(boot, seedOf(kernels));
      if (!result || typeof result.offload_gain !== 'object' || typeof result.converge !== 'object' || !result.offload_gain || !result.converge) return false;
      const bad = [];
      for (const qd of DEPTHS) {
        let conv = null;
        for (const bs of SIZES) {
          const g = ref[`ebpf/${qd}/${bs}`].iops / ref[`auto_buf_reg/${qd}/${bs}`].iops;
          if (!near(result.offload_gain[`${qd}/${bs}`], g)) bad.push(`gain ${qd}/${bs}: expected ${g.toFixed(3)}`);
          if (conv === null && g < 1.1) conv = bs;
        }
        if (result.converge[qd] !== conv) bad.push(`converge[${qd}]: expected ${conv}`);
      }
      return { pass: bad.length === 0, detail: bad.slice(0, 3).join('; ') };
    },
  },
  {
    name: 'the latency gain at 4K, iodepth 1',
    hint: 'latency_gain_4k = median latency (p50) of copy / p50 of ebpf, at 4K and iodepth 1',
    check: ({ result, kernels, boot }) => {
      const ref = reference(boot, seedOf(kernels));
      const want = ref['copy/1/4096'].p50 / ref['ebpf/1/4096'].p50;
      return { pass: !!result && near(result.latency_gain_4k, want), detail: `expected ${want.toFixed(3)}` };
    },
  },
];

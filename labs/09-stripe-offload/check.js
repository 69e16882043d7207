// Lab 09's criteria. The engine is deterministic for a seed: the checker recomputes every point on fresh
// reference machines and compares, and it reads the devices of the machines the script booted: the program
// attached to each eBPF device, the driver's counters of its runs and SQEs, and the machine's own record of
// every fio run (k.fio_runs). The student's program is also loaded again on a reference machine and its
// layout read back from the backing files.
const PATHS = ['copy', 'zero_copy', 'auto_buf_reg', 'ebpf'];
const SIZES = [4096, 65536, 262144, 1048576];
const DEPTHS = [1, 32];
const TOL = 0.005;
const CHUNK = 65536;
const NR_FILES = 4;

/** A reference point: on 'ebpf' the engine's built-in stand-in, which queues the same SQEs as a correct program. */
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
/** fio's bs option in bytes (a number, or '96k', '1M'). */
function bytes(v) {
  if (typeof v === 'number') return v;
  const m = /^(\d+)\s*([kmg]?)/i.exec(String(v));
  return m ? Number(m[1]) * { '': 1, k: 1024, m: 1048576, g: 1073741824 }[m[2].toLowerCase()] : NaN;
}
/** Every stripe device on the eBPF path, with its machine. */
function ebpfDevs(kernels) {
  const out = [];
  for (const k of kernels) for (const d of k.ublk.devs) if (d.path === 'ebpf' && d.target.kind === 'stripe') out.push({ k, d });
  return out;
}
/** The loaded BPF program a device runs (null for the engine's built-in stand-in). */
const progOf = (d) => (d.bpf_prog && d.bpf_prog.source) || null;
/** RAID-0: the pieces [off, off + len) of the device is cut into, each on file (0-based) at pos. */
function pieces(off, len) {
  const out = [];
  for (let done = 0; done < len;) {
    const p = off + done;
    const c = Math.floor(p / CHUNK);
    const n = Math.min(CHUNK - (p % CHUNK), len - done);
    out.push({ chunk: c, file: c % NR_FILES, pos: Math.floor(c / NR_FILES) * CHUNK + (p % CHUNK), len: n, buf_off: done });
    done += n;
  }
  return out;
}

export default [
  {
    name: 'your stripe program passed the verifier and runs on every eBPF device',
    hint: "k.bpf.prog_load({ asm: STRIPE_PROG, prog_type: 'BPF_PROG_TYPE_UBLK' }) on each machine, passed to add_dev as bpf_prog (without it the engine runs a built-in stand-in, which does not count)",
    check: ({ kernels }) => {
      const devs = ebpfDevs(kernels);
      const bad = devs.filter(({ k, d }) => {
        const p = progOf(d);
        return !p || !d.bpf_prog.verified || p.prog_type !== 'BPF_PROG_TYPE_UBLK' || k.bpf.progs.get(p.id) !== p;
      });
      const pass = devs.length >= SIZES.length * DEPTHS.length + 1 && bad.length === 0;
      return { pass, detail: `${devs.length} eBPF stripe devices, ${bad.length} of them without a verified program of yours` };
    },
  },
  {
    name: 'your program puts every piece of a request where RAID-0 puts it',
    hint: 'chunk c = offset / 64K goes to file 1 + c % 4 at (c / 4) * 64K + offset % 64K; cut a request at chunk boundaries, one bpf_ublk_queue_sqe per piece, buf_off = bytes before it',
    check: ({ kernels, boot }) => {
      const prog = ebpfDevs(kernels).map(({ d }) => progOf(d)).find(Boolean);
      if (!prog) return { pass: false, detail: 'no eBPF device runs a program of yours' };
      const ref = boot({ memory: '64M', seed: 1 });
      let again;
      try {
        again = ref.bpf.prog_load({ insns: prog.insns.map((i) => ({ ...i })), prog_type: 'BPF_PROG_TYPE_UBLK' });
      } catch (e) {
        return { pass: false, detail: `your program does not load again: ${e.message}` };
      }
      const dev = ref.ublk.add_dev({ dev_size: '16M', queue_depth: 8, max_io_buf_bytes: '1M', target: 'stripe', nr_files: 4, chunk: '64K', data_path: 'ebpf', bpf_prog: again });
      dev.start_dev();
      // Aligned and unaligned writes: inside a chunk, across one boundary, across four, a 1M write over 17 chunks.
      const cases = [[0, 4096], [61440, 8192], [32768, 196608], [655360, 65536], [3 * 1048576 + 16384, 1048576]];
      const bad = [];
      let want = 0;
      cases.forEach(([off, len], n) => {
        const data = new Uint8Array(len);
        for (let i = 0; i < len; i++) data[i] = ((n * 31 + (i >> 9)) % 251) + 1;
        try {
          dev.pwrite(data, off);
        } catch (e) {
          bad.push(`the write of ${len / 1024}K at ${off / 1024}K failed: ${e.message}`);
          return;
        }
        for (const p of pieces(off, len)) {
          want++;
          const got = new Uint8Array(p.len);
          dev.target.files[p.file].pread(got, 0, p.len, p.pos);
          if (!got.every((b, i) => b === data[p.buf_off + i])) bad.push(`${len / 1024}K at ${off / 1024}K: device chunk ${p.chunk} belongs on file ${p.file + 1} at ${p.pos / 1024}K`);
        }
      });
      const s = dev.stats();
      if (s.bpf_handled !== cases.length) bad.push(`your program took ${s.bpf_handled} of ${cases.length} writes; the others went to the userspace server`);
      else if (s.bpf_sqes !== want) bad.push(`${s.bpf_sqes} SQEs queued for ${want} chunk pieces`);
      return { pass: bad.length === 0, detail: bad.slice(0, 3).join('; ') || `${cases.length} writes, ${want} pieces in place` };
    },
  },
  {
    name: 'writes across chunk boundaries read back intact through your program (the machine’s fio record)',
    hint: "on an eBPF stripe device with your program: k.ublk.fio({ dev, rw: 'randwrite', bs: '96k', iodepth: 8, ios: 128, verify: true })",
    check: ({ kernels }) => {
      for (const { k, d } of ebpfDevs(kernels)) {
        if (!progOf(d)) continue;
        const id = d.info().dev_id;
        const run = k.fio_runs.find((f) => {
          const bs = bytes(f.options.bs);
          const r = f.result;
          return f.dev_id === id && /write|rw/.test(String(f.options.rw)) && bs > CHUNK && bs % CHUNK !== 0 &&
            r.ios >= 128 && r.errors === 0 && r.verify && r.verify.checked >= 64 && r.verify.mismatches === 0;
        });
        if (run) return { pass: true, detail: `${run.options.rw} ${run.options.bs}: ${JSON.stringify(run.result.verify)}` };
      }
      return { pass: false, detail: 'the machines ran no verified write job of a size that crosses 64K chunks on an eBPF device with your program' };
    },
  },
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
    name: 'every request of the eBPF devices went through your program in the kernel, one SQE per chunk piece',
    hint: "dev.stats(): bpf_runs and bpf_handled equal completed, nothing dispatched to the server; a random read of bs queues max(1, bs / 64K) SQEs",
    check: ({ kernels }) => {
      const bad = [];
      let measured = 0;
      for (const { k, d } of ebpfDevs(kernels)) {
        const s = d.stats();
        const name = `ublkb${d.info().dev_id}`;
        if (!progOf(d)) {
          bad.push(`${name} runs the built-in stand-in`);
          continue;
        }
        if (!(s.completed > 0 && s.bpf_handled === s.completed && s.bpf_runs === s.completed && s.dispatched === 0)) {
          bad.push(`${name}: ${s.bpf_handled} of ${s.completed} requests taken by your program, ${s.dispatched} went to the server`);
          continue;
        }
        const runs = k.fio_runs.filter((f) => f.dev_id === d.info().dev_id);
        if (runs.length === 1 && runs[0].options.rw === 'randread') {
          measured++;
          const want = s.completed * Math.max(1, bytes(runs[0].options.bs) / CHUNK);
          if (s.bpf_sqes !== want) bad.push(`${name}: ${s.bpf_sqes} SQEs for ${s.completed} reads of ${runs[0].options.bs}, not one per chunk piece`);
        }
      }
      const pass = measured >= SIZES.length * DEPTHS.length && bad.length === 0;
      return { pass, detail: bad.slice(0, 3).join('; ') || `${measured} measured eBPF devices` };
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
          bad.push(`${path} qd${qd} ${bs / 1024}K: ${row ? 'not the engine’s iops, p50 or cpu_us_per_io' : 'no row'}`);
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
          if (!near(result.offload_gain[`${qd}/${bs}`], g)) bad.push(`gain ${qd}/${bs}: not the ratio of the engine’s IOPS`);
          if (conv === null && g < 1.1) conv = bs;
        }
        if (result.converge[qd] !== conv) bad.push(`converge[${qd}]: not where the gain first falls below 1.1`);
      }
      return { pass: bad.length === 0, detail: bad.slice(0, 3).join('; ') };
    },
  },
  {
    name: 'the latency gain over the copy path at 4K, iodepth 1',
    hint: 'latency_gain_4k = median latency (p50) of copy / p50 of ebpf, at 4K and iodepth 1',
    check: ({ result, kernels, boot }) => {
      const ref = reference(boot, seedOf(kernels));
      const want = ref['copy/1/4096'].p50 / ref['ebpf/1/4096'].p50;
      return { pass: !!result && near(result.latency_gain_4k, want), detail: `you reported ${JSON.stringify(result?.latency_gain_4k) ?? 'nothing'}` };
    },
  },
];

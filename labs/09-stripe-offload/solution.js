// Lab 09, reference solution: a RAID-0 stripe target as a BPF program of the RFC's type, checked, then measured
// against the copy, zero-copy and AUTO_BUF_REG data paths.
const SEED = 9;
const PATHS = ['copy', 'zero_copy', 'auto_buf_reg', 'ebpf'];
const SIZES = [4096, 65536, 262144, 1048576];
const DEPTHS = [1, 32];

// r1 = struct ublk_bpf_ctx { u16 q_id; u16 tag; u32 op; u64 start_sector; u32 nr_sectors; u32 pad; }
// The SQE at r10 - 24: struct ublk_bpf_sqe { u8 opcode; u8 pad[3]; s32 fd; u64 off; u32 len; u32 buf_off; }
const STRIPE_PROG = `
  r6 = r1
  r2 = *(u32 *)(r6 + 4)          // op: 0 READ, 1 WRITE, the rest goes to the server
  if r2 > 1 goto server
  r3 = 22                        // IORING_OP_READ
  if r2 == 0 goto rd
  r3 = 23                        // IORING_OP_WRITE
rd:
  *(u64 *)(r10 - 24) = 0
  *(u8 *)(r10 - 24) = r3
  *(u64 *)(r10 - 32) = 0         // pieces queued so far
  r7 = *(u64 *)(r6 + 8)
  r7 <<= 9                       // r7: device byte offset of the next piece
  r8 = *(u32 *)(r6 + 16)
  r8 <<= 9                       // r8: bytes left
  r9 = 0                         // r9: offset in the request's pages
loop:
  if r8 == 0 goto done
  r1 = *(u64 *)(r10 - 32)
  if r1 > 16 goto server         // a 1M request spans at most 17 chunks
  r1 += 1
  *(u64 *)(r10 - 32) = r1
  r2 = r7
  r2 >>= 16                      // chunk index (64K chunks)
  r3 = r2
  r3 &= 3                        // member: chunk % 4
  r3 += 1                        // fixed file 1..4 (0 is /dev/ublkcN)
  *(u32 *)(r10 - 20) = r3
  r2 >>= 2
  r2 <<= 16                      // (chunk / 4) * 64K
  r4 = r7
  r4 &= 0xffff                   // offset inside the chunk
  r2 += r4
  *(u64 *)(r10 - 16) = r2
  r5 = 0x10000
  r5 -= r4                       // up to the end of the chunk
  if r5 <= r8 goto fits
  r5 = r8                        // or of the request
fits:
  *(u32 *)(r10 - 8) = r5
  *(u32 *)(r10 - 4) = r9
  r7 += r5
  r8 -= r5
  r9 += r5
  r1 = r6
  r2 = r10
  r2 += -24
  call bpf_ublk_queue_sqe
  if r0 != 0 goto server
  goto loop
done:
  r0 = 0
  exit
server:
  r0 = 1
  exit
`;

/** A stripe device (4 backing files, 64K chunks) on `path`; on 'ebpf' it runs STRIPE_PROG, loaded on that machine. */
function stripeDev(k, path) {
  const opts = { dev_size: '256M', queue_depth: 64, max_io_buf_bytes: '1M', target: 'stripe', nr_files: 4, chunk: '64K', data_path: path };
  if (path === 'ebpf') opts.bpf_prog = k.bpf.prog_load({ asm: STRIPE_PROG, prog_type: 'BPF_PROG_TYPE_UBLK', prog_name: 'stripe' });
  const dev = k.ublk.add_dev(opts);
  dev.start_dev();
  return dev;
}

// 1. Is the program right? 96K writes cross chunk boundaries; fio reads every block back.
const kv = boot({ memory: '64M', seed: SEED });
const dv = stripeDev(kv, 'ebpf');
const v = kv.ublk.fio({ dev: dv, rw: 'randwrite', bs: '96k', iodepth: 8, ios: 128, verify: true });
print(`verify: ${JSON.stringify(v.verify)}, errors ${v.errors}; device: ${JSON.stringify(dv.stats())}`);

/** One point: a fresh machine, a stripe device on `path`, one fio run. */
function point(path, bs, qd) {
  const k = boot({ memory: '64M', seed: SEED });
  const dev = stripeDev(k, path);
  const r = k.ublk.fio({ dev, rw: 'randread', bs, iodepth: qd, ios: qd === 1 ? 64 : 256 });
  const busy = r.cpu.app.reduce((a, b) => a + b, 0) + r.cpu.server.reduce((a, b) => a + b, 0);
  return {
    path, qd, bs,
    iops: Math.round(r.iops),
    p50: r.lat.p50,
    server_cpu: r.cpu.server.reduce((a, b) => a + b, 0),
    cpu_us_per_io: ((busy / 100) * (r.runtime_ns / 1000)) / r.ios,
    uring_ops_per_io: r.uring_ops_per_io,
  };
}

// 2. The measurements.
const rows = [];
for (const qd of DEPTHS) for (const bs of SIZES) for (const path of PATHS) rows.push(point(path, bs, qd));

const kib = (b) => `${b / 1024}K`;
lab.table(rows.map((r) => ({ ...r, bs: kib(r.bs), p50: r.p50.toFixed(1), cpu_us_per_io: r.cpu_us_per_io.toFixed(2) })));
for (const qd of DEPTHS) {
  lab.chart(`IOPS, iodepth ${qd}`, Object.fromEntries(PATHS.map((p) => [p, rows.filter((r) => r.qd === qd && r.path === p).map((r) => [r.bs / 1024, r.iops])])), { xlabel: 'block size (KiB)', ylabel: 'IOPS' });
}
lab.chart('CPU per I/O, iodepth 32', Object.fromEntries(PATHS.map((p) => [p, rows.filter((r) => r.qd === 32 && r.path === p).map((r) => [r.bs / 1024, r.cpu_us_per_io])])), { xlabel: 'block size (KiB)', ylabel: 'CPU µs per I/O (application + server)' });

// How much does the offload add over the best merged path (AUTO_BUF_REG), and from which size is it within 10 %?
const get = (path, bs, qd) => rows.find((r) => r.path === path && r.bs === bs && r.qd === qd);
const offload_gain = {};
const converge = {};
for (const qd of DEPTHS) {
  converge[qd] = null;
  for (const bs of SIZES) {
    const g = get('ebpf', bs, qd).iops / get('auto_buf_reg', bs, qd).iops;
    offload_gain[`${qd}/${bs}`] = g;
    if (converge[qd] === null && g < 1.1) converge[qd] = bs;
  }
}
lab.chart('offload gain over AUTO_BUF_REG', Object.fromEntries(DEPTHS.map((qd) => [`iodepth ${qd}`, SIZES.map((bs) => [bs / 1024, offload_gain[`${qd}/${bs}`]])])), { xlabel: 'block size (KiB)', ylabel: 'IOPS ratio' });
const latency_gain_4k = get('copy', 4096, 1).p50 / get('ebpf', 4096, 1).p50;
print('the offload is within 10 % of AUTO_BUF_REG from', JSON.stringify(converge), '(iodepth: block size)');
print(`at 4K and iodepth 1 the offload cuts the median latency of copy x${latency_gain_4k.toFixed(2)}`);
lab.result({ rows, offload_gain, converge, latency_gain_4k });

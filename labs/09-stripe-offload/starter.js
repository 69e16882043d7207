// Lab 09: a RAID-0 stripe target as a BPF program of the (never merged) BPF_PROG_TYPE_UBLK, against the copy,
// zero-copy and AUTO_BUF_REG data paths.
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
  // TODO: the member file of this chunk, chunk % 4, as a fixed file (1..4; 0 is /dev/ublkcN). Not always file 1.
  r3 = 1
  *(u32 *)(r10 - 20) = r3
  // TODO: the piece's offset in its member file: (chunk / 4) * 64K + the offset inside the chunk (r7 % 64K).
  r2 = r7
  *(u64 *)(r10 - 16) = r2
  // TODO: a piece ends at the end of its chunk (64K - the offset inside it) or of the request, whichever is first.
  r5 = r8
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

// 1. Is the program right? 96K writes cross chunk boundaries; fio reads every block back (verify).
const kv = boot({ memory: '64M', seed: SEED });
const dv = stripeDev(kv, 'ebpf');
const v = kv.ublk.fio({ dev: dv, rw: 'randwrite', bs: '96k', iodepth: 8, ios: 128, verify: true });
print(`verify: ${JSON.stringify(v.verify)}, errors ${v.errors}; device: ${JSON.stringify(dv.stats())}`);

/** One point: a fresh machine, a stripe device on `path`, one fio run. */
function point(path, bs, qd) {
  const k = boot({ memory: '64M', seed: SEED });
  const dev = stripeDev(k, path);
  const r = k.ublk.fio({ dev, rw: 'randread', bs, iodepth: qd, ios: qd === 1 ? 64 : 256 });
  return {
    path, qd, bs,
    iops: Math.round(r.iops),
    p50: r.lat.p50,
    server_cpu: r.cpu.server.reduce((a, b) => a + b, 0),
    // TODO: cpu_us_per_io, the CPU time (application + server, every CPU) spent per I/O, in µs.
    cpu_us_per_io: 0,
    uring_ops_per_io: r.uring_ops_per_io,
  };
}

// 2. The measurements.
const rows = [];
// TODO: every data path of PATHS at both depths of DEPTHS, not only copy and ebpf at iodepth 32.
for (const bs of SIZES) for (const path of ['copy', 'ebpf']) rows.push(point(path, bs, 32));
lab.table(rows);

// TODO: offload_gain['qd/bs'] = ebpf IOPS / auto_buf_reg IOPS, converge[qd] = the smallest block size where it is
// below 1.1 (null if none), latency_gain_4k = p50 of copy / p50 of ebpf at 4K and iodepth 1. Chart what you find.
const offload_gain = {};
const converge = {};
const latency_gain_4k = 0;
lab.result({ rows, offload_gain, converge, latency_gain_4k });

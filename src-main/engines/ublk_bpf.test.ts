import { describe, expect, it } from 'vitest';
import { boot } from './kernel';

/** A loop target in BPF: READ and WRITE go straight to backing file 1 at the request's offset. */
export const LOOP_PROG = `
  r6 = r1
  r2 = *(u32 *)(r6 + 4)
  if r2 > 1 goto server
  *(u64 *)(r10 - 24) = 0
  r3 = 22
  if r2 != 1 goto l1
  r3 = 23
l1:
  *(u8 *)(r10 - 24) = r3
  *(u32 *)(r10 - 20) = 1
  r4 = *(u64 *)(r6 + 8)
  r4 <<= 9
  *(u64 *)(r10 - 16) = r4
  r5 = *(u32 *)(r6 + 16)
  r5 <<= 9
  *(u32 *)(r10 - 8) = r5
  *(u32 *)(r10 - 4) = 0
  r1 = r6
  r2 = r10
  r2 += -24
  call bpf_ublk_queue_sqe
  if r0 != 0 goto server
  r0 = 0
  exit
server:
  r0 = 1
  exit
`;

describe('the ublk eBPF data path runs programs of the BPF engine', () => {
  const env = { seed: 3, log: () => {} };

  it('a BPF loop target serves every read and write in the kernel, with verify clean', () => {
    const k = boot({}, env);
    const prog = k.bpf.prog_load({ asm: LOOP_PROG, prog_type: 'BPF_PROG_TYPE_UBLK', verify: false });
    const dev = k.ublk.add_dev({
      target: 'loop',
      data_path: 'ebpf',
      bpf_prog: prog as never,
      nr_hw_queues: 2,
      queue_depth: 32,
      dev_size: '64M',
    });
    dev.start_dev();
    const r = k.ublk.fio({ dev, rw: 'randrw', bs: '4k', iodepth: 16, ios: 1000, verify: true });
    expect(r.errors).toBe(0);
    expect(r.verify).toMatchObject({ mismatches: 0 });
    expect(r.verify!.checked).toBeGreaterThan(0);
    // Every request, the verify pass's reads included, was taken by the program: none reached the server.
    const s = dev.stats();
    expect(s.dispatched).toBe(0);
    expect(s.bpf_handled).toBeGreaterThanOrEqual(r.ios);
    expect(r.copied_bytes).toBe(0);
  });

  it('a program that declines (r0 = 1) hands every request to the userspace server', () => {
    const k = boot({}, env);
    const prog = k.bpf.prog_load({ asm: 'r0 = 1\nexit', prog_type: 'BPF_PROG_TYPE_UBLK', verify: false });
    const dev = k.ublk.add_dev({
      target: 'loop',
      data_path: 'ebpf',
      bpf_prog: prog as never,
      nr_hw_queues: 1,
      queue_depth: 8,
      dev_size: '16M',
    });
    dev.start_dev();
    const r = k.ublk.fio({ dev, rw: 'randread', bs: '4k', iodepth: 4, ios: 200, verify: true });
    expect(r.errors).toBe(0);
    expect(dev.stats().bpf_handled).toBe(0);
  });

  it('a bad SQE pointer gets -EFAULT from the kfunc, and the request still completes through the server', () => {
    const k = boot({}, env);
    const prog = k.bpf.prog_load({
      asm: 'r2 = 0\ncall bpf_ublk_queue_sqe\nif r0 == 0 goto ok\nr0 = 1\nexit\nok:\nr0 = 0\nexit',
      prog_type: 'BPF_PROG_TYPE_UBLK',
      verify: false,
    });
    const dev = k.ublk.add_dev({
      target: 'loop',
      data_path: 'ebpf',
      bpf_prog: prog as never,
      nr_hw_queues: 1,
      queue_depth: 8,
      dev_size: '16M',
    });
    dev.start_dev();
    const r = k.ublk.fio({ dev, rw: 'randwrite', bs: '4k', iodepth: 4, ios: 100, verify: true });
    expect(r.errors).toBe(0);
    expect(r.verify).toMatchObject({ mismatches: 0 });
    expect(dev.stats().bpf_handled).toBe(0);
  });
});

/** RAID-0 over 4 files in 64 KiB chunks: one SQE per chunk piece (at most 17), chunk c -> file 1 + c % 4 at (c / 4) * 64K. */
export const STRIPE_PROG = `
  r6 = r1
  r2 = *(u32 *)(r6 + 4)
  if r2 > 1 goto server
  r3 = 22
  if r2 == 0 goto rd
  r3 = 23
rd:
  *(u64 *)(r10 - 24) = 0
  *(u8 *)(r10 - 24) = r3
  *(u64 *)(r10 - 32) = 0
  r7 = *(u64 *)(r6 + 8)
  r7 <<= 9
  r8 = *(u32 *)(r6 + 16)
  r8 <<= 9
  r9 = 0
loop:
  if r8 == 0 goto done
  r1 = *(u64 *)(r10 - 32)
  if r1 > 16 goto server
  r1 += 1
  *(u64 *)(r10 - 32) = r1
  r2 = r7
  r2 >>= 16
  r3 = r2
  r3 &= 3
  r3 += 1
  *(u32 *)(r10 - 20) = r3
  r2 >>= 2
  r2 <<= 16
  r4 = r7
  r4 &= 0xffff
  r2 += r4
  *(u64 *)(r10 - 16) = r2
  r5 = 0x10000
  r5 -= r4
  if r5 <= r8 goto fits
  r5 = r8
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

describe('a verified BPF program of type BPF_PROG_TYPE_UBLK', () => {
  const env = { seed: 5, log: () => {} };

  it('the verifier accepts the stripe program: ctx reads, a bounded loop, the kfunc with ctx and a 24-byte SQE on the stack', () => {
    const k = boot({}, env);
    const v = k.bpf.verify({ asm: STRIPE_PROG, prog_type: 'BPF_PROG_TYPE_UBLK' });
    expect(v.errors).toEqual([]);
    expect(v.ok).toBe(true);
  });

  it('the stripe program lays each 64K chunk on its member file, and the device counts its runs and SQEs', () => {
    const k = boot({}, env);
    const prog = k.bpf.prog_load({ asm: STRIPE_PROG, prog_type: 'BPF_PROG_TYPE_UBLK' });
    const dev = k.ublk.add_dev({
      target: 'stripe',
      nr_files: 4,
      chunk: '64K',
      data_path: 'ebpf',
      bpf_prog: prog as never,
      queue_depth: 8,
      dev_size: '16M',
      max_io_buf_bytes: '1M',
    });
    dev.start_dev();
    expect(dev.bpf_prog!.verified).toBe(true);
    expect(dev.bpf_prog!.source).toBe(prog);
    // 192K at 32K: pieces 32K (chunk 0 -> file 1 @ 32K), 64K (chunk 1 -> file 2 @ 0), 64K (chunk 2 -> file 3 @ 0), 32K (chunk 3 -> file 4 @ 0).
    const data = new Uint8Array(192 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i >> 12) + 1;
    dev.pwrite(data, 32 * 1024);
    const files = dev.target.files;
    const at = (f: number, pos: number): number => {
      const b = new Uint8Array(1);
      files[f]!.pread(b, 0, 1, pos);
      return b[0]!;
    };
    expect(at(0, 32 * 1024)).toBe(1); // device 32K: the first byte written
    expect(at(1, 0)).toBe(9); // device 64K = 32K into the write: page 8
    expect(at(2, 0)).toBe(25); // device 128K
    expect(at(3, 0)).toBe(41); // device 192K
    expect(at(3, 32 * 1024)).toBe(0); // past the write's end
    // chunk 4 (device 256K) lands on file 1 at 64K
    dev.pwrite(new Uint8Array(4096).fill(77), 256 * 1024);
    expect(at(0, 64 * 1024)).toBe(77);
    expect([...dev.pread(4096, 256 * 1024).subarray(0, 2)]).toEqual([77, 77]);
    const s = dev.stats();
    expect(s).toMatchObject({ bpf_runs: 3, bpf_handled: 3, bpf_sqes: 4 + 1 + 1, dispatched: 0 });
  });

  it('fio with verify over the stripe program: 1M writes and reads check out, 16 SQEs per aligned 1M request', () => {
    const k = boot({}, env);
    const prog = k.bpf.prog_load({ asm: STRIPE_PROG, prog_type: 'BPF_PROG_TYPE_UBLK' });
    const dev = k.ublk.add_dev({
      target: 'stripe',
      nr_files: 4,
      chunk: '64K',
      data_path: 'ebpf',
      bpf_prog: prog as never,
      queue_depth: 16,
      dev_size: '64M',
      max_io_buf_bytes: '1M',
    });
    dev.start_dev();
    const r = k.ublk.fio({ dev, rw: 'randwrite', bs: '1M', iodepth: 4, ios: 20, verify: true });
    expect(r.errors).toBe(0);
    expect(r.verify).toMatchObject({ mismatches: 0 });
    const s = dev.stats();
    expect(s['bpf_handled']).toBe(s['completed']);
    expect(s['bpf_sqes']).toBe(16 * s['completed']!);
  });

  it('the kfunc is for ublk programs only, and checks its arguments as check_kfunc_args() does', () => {
    const k = boot({}, env);
    const call = 'r1 = r6\nr2 = r10\nr2 += -24\ncall bpf_ublk_queue_sqe\nr0 = 0\nexit';
    const init = 'r6 = r1\n*(u64 *)(r10 - 24) = 0\n*(u64 *)(r10 - 16) = 0\n*(u64 *)(r10 - 8) = 0\n';
    expect(k.bpf.verify({ asm: init + call, prog_type: 'BPF_PROG_TYPE_UBLK' }).ok).toBe(true);
    expect(k.bpf.verify({ asm: init + call, prog_type: 'xdp' }).errors[0]!.message).toBe(
      'calling kernel function bpf_ublk_queue_sqe is not allowed',
    );
    // arg#0 must be the context
    expect(
      k.bpf.verify({ asm: init + call.replace('r1 = r6', 'r1 = r10'), prog_type: 'BPF_PROG_TYPE_UBLK' }).errors[0]!
        .message,
    ).toBe('arg#0 expected pointer to ctx, but got fp');
    // the SQE's 24 bytes must lie inside the stack frame
    expect(
      k.bpf.verify({ asm: init + call.replace('r2 += -24', 'r2 += -8'), prog_type: 'BPF_PROG_TYPE_UBLK' }).errors[0]!
        .message,
    ).toMatch(/stack R2 off=-8 size=24$/);
    // the context is read only, and 24 bytes long
    expect(
      k.bpf.verify({ asm: '*(u32 *)(r1 + 4) = 0\nr0 = 0\nexit', prog_type: 'BPF_PROG_TYPE_UBLK' }).errors[0]!.message,
    ).toBe('invalid bpf_context access off=4 size=4');
    expect(
      k.bpf.verify({ asm: 'r0 = *(u64 *)(r1 + 24)\nexit', prog_type: 'BPF_PROG_TYPE_UBLK' }).errors[0]!.message,
    ).toBe('invalid bpf_context access off=24 size=8');
  });
});

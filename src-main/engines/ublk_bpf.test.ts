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
    const dev = k.ublk.add_dev({ target: 'loop', data_path: 'ebpf', bpf_prog: prog as never, nr_hw_queues: 2, queue_depth: 32, dev_size: '64M' });
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
    const dev = k.ublk.add_dev({ target: 'loop', data_path: 'ebpf', bpf_prog: prog as never, nr_hw_queues: 1, queue_depth: 8, dev_size: '16M' });
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
    const dev = k.ublk.add_dev({ target: 'loop', data_path: 'ebpf', bpf_prog: prog as never, nr_hw_queues: 1, queue_depth: 8, dev_size: '16M' });
    dev.start_dev();
    const r = k.ublk.fio({ dev, rw: 'randwrite', bs: '4k', iodepth: 4, ios: 100, verify: true });
    expect(r.errors).toBe(0);
    expect(r.verify).toMatchObject({ mismatches: 0 });
    expect(dev.stats().bpf_handled).toBe(0);
  });
});

import { describe, it, expect } from 'vitest';
import { builtinLoopProgram, decodeUblkBpfSqe, encodeUblkBpfCtx } from './bpf_prog';
import type { UblkBpfSqe } from './bpf_prog';
import { createUblk } from './index';

describe('ublk BPF program interface', () => {
  it('encodes the context and decodes the kfunc SQE in their 24-byte layouts', () => {
    const b = encodeUblkBpfCtx({ q_id: 1, tag: 0x203, op: 1, start_sector: 2 ** 33 + 5, nr_sectors: 16 });
    expect([...b.subarray(0, 8)]).toEqual([1, 0, 3, 2, 1, 0, 0, 0]);
    expect([...b.subarray(8, 20)]).toEqual([5, 0, 0, 0, 2, 0, 0, 0, 16, 0, 0, 0]);
    const s = new Uint8Array(24);
    const v = new DataView(s.buffer);
    v.setUint8(0, 22);
    v.setInt32(4, 1, true);
    v.setUint32(8, 4096, true);
    v.setUint32(16, 512, true);
    v.setUint32(20, 0, true);
    expect(decodeUblkBpfSqe(s)).toEqual({ opcode: 22, fd: 1, off: 4096, len: 512, buf_off: 0 });
  });

  it('the built-in stand-in queues one SQE per piece of the layout and leaves FLUSH to the server', () => {
    const got: UblkBpfSqe[] = [];
    const p = builtinLoopProgram((_w, off, len) => [
      { file: 1, off, len: len / 2, buf_off: 0 },
      { file: 2, off, len: len / 2, buf_off: len / 2 },
    ]);
    const k = {
      bpf_ublk_queue_sqe: (_c: unknown, s: UblkBpfSqe) => {
        got.push(s);
        return 0;
      },
    };
    expect(p.verified).toBe(false);
    expect(p.run({ q_id: 0, tag: 0, op: 1, start_sector: 8, nr_sectors: 8 }, k)).toBe(0);
    expect(got).toEqual([
      { opcode: 23, fd: 1, off: 4096, len: 2048, buf_off: 0 },
      { opcode: 23, fd: 2, off: 4096, len: 2048, buf_off: 2048 },
    ]);
    expect(p.run({ q_id: 0, tag: 0, op: 2, start_sector: 0, nr_sectors: 0 }, k)).toBe(1);
  });

  it('a script-supplied program that passes every request on leaves the I/O to the server (copy path)', () => {
    const k = createUblk();
    let runs = 0;
    const dev = k.add_dev({
      queue_depth: 8,
      dev_size: '1M',
      target: 'loop',
      data_path: 'ebpf',
      bpf_prog: {
        name: 'pass',
        verified: true,
        run: () => {
          runs++;
          return 1;
        },
      },
    });
    dev.start_dev();
    dev.pwrite(new Uint8Array(4096).fill(6), 0);
    expect([...dev.pread(4096, 0).subarray(0, 2)]).toEqual([6, 6]);
    expect(runs).toBe(2);
    expect(dev.stats().bpf_handled).toBe(0);
    expect(dev.stats().copied_bytes).toBe(8192);
  });
});

import { describe, it, expect } from 'vitest';
import { KernelError } from '../common/errors';
import { Prng } from '../common/prng';
import { createUblk } from './index';
import type { DataPath } from './index';

const PATHS: DataPath[] = [
  'copy',
  'need_get_data',
  'user_copy',
  'zero_copy',
  'auto_buf_reg',
  'fused',
  'ebpf',
  'splice',
  'remap',
];
const TARGETS = ['loop', 'stripe', 'mirror'] as const;
const RWS = ['read', 'write', 'randread', 'randwrite', 'randrw'];

describe('randomised runs keep the simulation consistent', () => {
  it('mixes paths, targets, workloads, crashes, recovery and stops without losing a tag or a buffer', () => {
    const rnd = new Prng(2026);
    const pick = <T>(xs: readonly T[]): T => xs[rnd.nextInt(xs.length)]!;
    for (let round = 0; round < 16; round++) {
      const k = createUblk({ prng: new Prng(round), costs: { t_backing_latency: rnd.nextInt(2) ? 0 : 5000 } });
      const path = pick(PATHS);
      const recovery = rnd.nextInt(2) === 1 && path !== 'ebpf';
      const dev = k.add_dev({
        nr_hw_queues: 1 + rnd.nextInt(3),
        queue_depth: 1 + rnd.nextInt(16),
        dev_size: '2M',
        target: pick(TARGETS),
        data_path: path,
        chunk: '8K',
        flags: recovery ? ['UBLK_F_USER_RECOVERY'] : [],
      });
      dev.start_dev();
      const bs = 512 * (1 + rnd.nextInt(32));
      const r = k.fio({
        dev,
        rw: pick(RWS),
        bs,
        iodepth: 1 + rnd.nextInt(40),
        numjobs: 1 + rnd.nextInt(3),
        ios: 20 + rnd.nextInt(60),
        verify: true,
      });
      expect(r.errors).toBe(0);
      expect(r.verify!.mismatches).toBe(0);
      expect(dev.invariants()).toEqual([]);
      if (rnd.nextInt(2)) {
        dev.kill_server();
        if (recovery) {
          dev.recover();
          const r2 = k.fio({ dev, rw: 'randrw', bs: '4k', iodepth: 8, ios: 40, verify: true });
          expect(r2.verify!.mismatches).toBe(0);
        } else {
          expect(() => dev.pread(512, 0)).toThrow(KernelError);
        }
      }
      dev.stop_dev();
      expect(dev.invariants()).toEqual([]);
      expect(dev.server!.registeredBuffers()).toBe(0);
      dev.del_dev();
    }
  });
});

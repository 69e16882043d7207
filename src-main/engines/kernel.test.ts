import { describe, expect, it } from 'vitest';
import { boot } from './kernel';
import { BPF_PROG_CHUNK_SIZE, BPF_PROG_PACK_SIZE } from './bpf_prog_pack';
import { jitImageSize } from './bpf_jit_comp';
import { DEFAULT_COSTS } from './ublk/index';
import { KFUNC_BTF_ID, KFUNC_NAMES } from './bpf/index';

const env = { seed: 1, log: () => {} };

describe('boot()', () => {
  it('refuses unknown options and bad values with EINVAL naming them', () => {
    expect(() => boot({ memroy: '4G' } as never, env)).toThrow(/unknown option 'memroy'/);
    expect(() => boot({ cpus: 0 }, env)).toThrow(/cpus must be from 1 to 256/);
    expect(() => boot({ seed: -1 }, env)).toThrow(/seed must be/);
  });

  it('gives the same machine for the same seed', () => {
    const a = boot({ memory: '1G', seed: 7 }, env);
    const b = boot({ memory: '1G', seed: 7 }, env);
    for (const k of [a, b]) for (let i = 0; i < 100; i++) k.mm.alloc_pages('GFP_KERNEL', i % 4);
    expect(a.mm.procfs('buddyinfo')).toBe(b.mm.procfs('buddyinfo'));
  });
});

describe('boot({ btf }): whose BTF ids the kernel kfuncs carry', () => {
  const loop =
    'r1 = r10\nr1 += -8\nr2 = 0\nr3 = 3\ncall bpf_iter_num_new\nr1 = r10\nr1 += -8\ncall bpf_iter_num_destroy\nr0 = 0\nexit';
  const hostIds = {
    bpf_iter_num_new: 50001,
    bpf_iter_num_next: 50004,
    bpf_iter_num_destroy: 49998,
    bpf_iter_bits_new: 49890,
    bpf_iter_bits_next: 49893,
    bpf_iter_bits_destroy: 49887,
  };

  it("by default the model's own BTF, without asking the host", () => {
    const k = boot(
      {},
      {
        ...env,
        hostBtfIds: () => {
          throw new Error('asked the host');
        },
      },
    );
    expect(k.bpf.kfuncs.get(KFUNC_BTF_ID.bpf_iter_num_new)?.name).toBe('bpf_iter_num_new');
    expect(k.bpf.prog_load({ asm: loop, prog_type: 'raw_tp' }).disasm().split('\n')[4]).toBe(
      `4: (85) call bpf_iter_num_new#${KFUNC_BTF_ID.bpf_iter_num_new}`,
    );
    expect(boot({ btf: 'model' }, env).bpf.kfuncs.has(KFUNC_BTF_ID.bpf_iter_bits_next)).toBe(true);
  });

  it("'host' takes the host's ids by name: assembly, disassembly, the verifier's log and the run use them", () => {
    const asked: string[][] = [];
    const k = boot({ btf: 'host' }, { ...env, hostBtfIds: (names) => (asked.push([...names]), hostIds) });
    expect(asked).toEqual([[...KFUNC_NAMES]]);
    expect(k.bpf.kfuncs.has(KFUNC_BTF_ID.bpf_iter_num_new)).toBe(false);
    const p = k.bpf.prog_load({ asm: loop, prog_type: 'raw_tp', log_level: 2 });
    expect(p.insns[4]!.imm).toBe(50001);
    expect(p.disasm().split('\n')[7]).toBe('7: (85) call bpf_iter_num_destroy#49998');
    expect(p.verifier_log).toContain('4: (85) call bpf_iter_num_new#50001');
    expect(p.run().retval).toBe(0n);
  });

  it("'host' where the host has no BTF, or lacks a kfunc, is ENOENT saying why; anything else is EINVAL", () => {
    const why = 'no kernel BTF at /sys/kernel/btf/vmlinux (ENOENT: the kernel needs CONFIG_DEBUG_INFO_BTF)';
    expect(() => boot({ btf: 'host' }, { ...env, hostBtfIds: () => ({ why }) })).toThrow(
      expect.objectContaining({ errno: 'ENOENT', message: `boot(): btf 'host': ${why}` }),
    );
    expect(() => boot({ btf: 'host' }, env)).toThrow(
      expect.objectContaining({ errno: 'ENOENT', message: "boot(): btf 'host': this host offers no kernel BTF" }),
    );
    expect(() =>
      boot({ btf: 'host' }, { ...env, hostBtfIds: () => ({ ...hostIds, bpf_iter_bits_new: undefined }) }),
    ).toThrow(
      expect.objectContaining({
        errno: 'ENOENT',
        message: "boot(): btf 'host': the host kernel's BTF has no function bpf_iter_bits_new",
      }),
    );
    expect(() => boot({ btf: 'vmlinux' as never }, env)).toThrow(
      expect.objectContaining({ errno: 'EINVAL', message: `boot(): btf must be 'model' or 'host', not "vmlinux"` }),
    );
  });
});

describe("boot({ ublk: { costs: 'host' } }): the cost model calibrated to the host's io_uring probe", () => {
  const probe = { nop_ns: 700, nop_batched_ns: 100, read_4k_batched_ns: 2600, batch: 32 };

  it('applies the figures the sandbox measured over the published defaults', () => {
    const lines: string[] = [];
    const k = boot({ ublk: { costs: 'host' } }, { ...env, log: (l) => lines.push(l), uringProbe: () => probe });
    expect(k.ublk.cost_source).toBe('host');
    expect(k.ublk.costs).toEqual({ ...DEFAULT_COSTS, t_sqe_cqe: 81, t_enter: 619, t_backing_op: 2090 });
    expect(lines).toEqual([]);
  });

  it('without a probe, one line says why and the defaults stay', () => {
    for (const uringProbe of [() => ({ why: 'io_uring needs Linux (this is darwin)' }), undefined]) {
      const lines: string[] = [];
      const k = boot(
        { ublk: { costs: 'host' } },
        { ...env, log: (l) => lines.push(l), ...(uringProbe ? { uringProbe } : {}) },
      );
      expect(k.ublk.cost_source).toBe('default');
      expect(k.ublk.costs).toEqual(DEFAULT_COSTS);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^boot\(\): ublk costs 'host' unavailable \((io_uring needs Linux \(this is darwin\)|this host offers no io_uring probe)\); the published defaults stay$/,
      );
    }
  });

  it('the default boot never asks for the probe', () => {
    const k = boot(
      {},
      {
        ...env,
        uringProbe: () => {
          throw new Error('probed');
        },
      },
    );
    expect(k.ublk.cost_source).toBe('default');
    expect(k.ublk.costs).toEqual(DEFAULT_COSTS);
  });
});

describe('BPF JIT images come from execmem (bpf_prog_pack)', () => {
  it('packs small programs into one shared 2 MiB execmem area', () => {
    const k = boot({ memory: '2G' }, env);
    const before = k.mm.vmstat();
    const progs = Array.from({ length: 20 }, (_, i) =>
      k.bpf.prog_load({ asm: `r0 = ${i}\nexit`, prog_type: 'socket' }),
    );
    expect(k.prog_pack.nr_packs).toBe(1);
    const images = progs.map((p) => k.jit_images.get(p)!);
    expect(new Set(images.map((i) => i.region)).size).toBe(1);
    expect(images[0]!.region.size).toBe(BPF_PROG_PACK_SIZE);
    // Each 2-insn image (16 or 19 bytes as the x86-64 JIT emits them, with the 8-byte header and 16 bytes of
    // padding) takes one 64-byte chunk, one after the other.
    expect(images.map((i) => i.offset)).toEqual(progs.map((_, i) => i * BPF_PROG_CHUNK_SIZE));
    expect(progs.map((p) => jitImageSize(p.insns)).slice(0, 2)).toEqual([16, 19]);
    // A whole aligned 2 MiB area made ROX is rewritten in place: no 2M→4K split.
    expect(k.mm.vmstat().direct_map_level2_splits).toBe(before.direct_map_level2_splits);
  });

  it('without packing (before 5.18), every program has its own execmem area and splits the direct map', () => {
    const k = boot({ memory: '2G', bpf: { prog_pack: false } }, env);
    const progs = Array.from({ length: 5 }, (_, i) => k.bpf.prog_load({ asm: `r0 = ${i}\nexit`, prog_type: 'socket' }));
    expect(new Set(progs.map((p) => k.jit_images.get(p)!.region)).size).toBe(5);
    expect(k.mm.vmstat().direct_map_level2_splits).toBeGreaterThan(0);
    expect(k.mm.meminfo().DirectMap4k).toBeGreaterThan(0);
  });

  it('programs that run in the interpreter take no execmem', () => {
    const k = boot({ memory: '1G', bpf: { jit: false } }, env);
    k.bpf.prog_load({ asm: 'r0 = 1\nexit', prog_type: 'socket' });
    expect(k.prog_pack.nr_packs).toBe(0);
    expect(k.jit_images.size).toBe(0);
  });
});

describe('k.fio_runs: the machine records fio runs through the ublk engine onFio() event', () => {
  it('keeps each completed run with its device id and options (dev left out), the last 16, failures not at all', () => {
    const k = boot({ memory: '1G' }, env);
    const dev = k.ublk.add_dev({ queue_depth: 4, dev_size: '4M', target: 'null' });
    dev.start_dev();
    const r = k.ublk.fio({ dev, rw: 'randread', bs: '4k', iodepth: 2, ios: 8 });
    expect(k.fio_runs).toHaveLength(1);
    expect(k.fio_runs[0]).toEqual({
      dev_id: dev.info().dev_id,
      options: { rw: 'randread', bs: '4k', iodepth: 2, ios: 8 },
      result: r,
    });
    expect(() => k.ublk.fio({ dev, rw: 'randread', bs: 'nope' })).toThrow();
    expect(k.fio_runs).toHaveLength(1);
    for (let i = 0; i < 20; i++) k.ublk.fio({ dev, rw: 'read', bs: '4k', iodepth: 1, ios: i + 1 });
    expect(k.fio_runs).toHaveLength(16);
    expect(k.fio_runs.map((f) => f.options['ios'])).toEqual(Array.from({ length: 16 }, (_, i) => i + 5));
  });
});

describe('boot({ ublk: { config_blk_dev_zoned } }): CONFIG_BLK_DEV_ZONED of the machine (Linux 6.18 ublk_ctrl_add_dev())', () => {
  it('on by default, as Debian and Fedora build it; false refuses UBLK_F_ZONED at ADD_DEV (EINVAL); not a boolean: EINVAL', () => {
    expect(boot({}, env).ublk.drv.config_blk_dev_zoned).toBe(true);
    const k = boot({ ublk: { config_blk_dev_zoned: false } }, env);
    expect(() => k.ublk.add_dev({ target: 'zoned' })).toThrow(/CONFIG_BLK_DEV_ZONED/);
    expect(() => boot({ ublk: { config_blk_dev_zoned: 1 as never } }, env)).toThrow();
  });
});

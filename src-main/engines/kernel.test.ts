import { describe, expect, it } from 'vitest';
import { boot } from './kernel';
import { BPF_PROG_CHUNK_SIZE, BPF_PROG_PACK_SIZE, jitImageSize } from './bpf_prog_pack';

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

describe('BPF JIT images come from execmem (bpf_prog_pack)', () => {
  it('packs small programs into one shared 2 MiB execmem area', () => {
    const k = boot({ memory: '2G' }, env);
    const before = k.mm.vmstat();
    const progs = Array.from({ length: 20 }, (_, i) => k.bpf.prog_load({ asm: `r0 = ${i}\nexit`, prog_type: 'socket' }));
    expect(k.prog_pack.nr_packs).toBe(1);
    const images = progs.map((p) => k.jit_images.get(p)!);
    expect(new Set(images.map((i) => i.region)).size).toBe(1);
    expect(images[0]!.region.size).toBe(BPF_PROG_PACK_SIZE);
    // Each 2-insn image (64 + 16 bytes) takes two 64-byte chunks, one after the other.
    expect(images.map((i) => i.offset)).toEqual(progs.map((_, i) => i * 2 * BPF_PROG_CHUNK_SIZE));
    expect(jitImageSize(2)).toBe(80);
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

/**
 * Mutation fuzzing of the object loader (bpf_object.ts, elf.ts, btf.ts, btf_ext.ts): the clang-built fixtures with
 * seeded byte flips, truncations, and corrupted section headers, symbols and relocations, each opened, linked and
 * loaded through the verifier. Every failure must be a KernelError; anything else is a finding. Used by
 * bpf_object_fuzz.test.ts (a few hundred) and scripts/fuzz-elf.ts (10,000 or more).
 */
import { KernelError } from '../common/errors';
import { Prng } from '../common/prng';
import { BPF_OBJECT_FIXTURES, bpfObjectFixture } from './fixtures/objects';
import { createBpf } from './index';

/** What a fuzz run found. */
export interface ElfFuzzSummary {
  count: number;
  /** Objects that opened and loaded every program. */
  loaded: number;
  /** KernelErrors by errno. */
  errors: Record<string, number>;
  /** Anything that was not a KernelError: the mutation's seed and index, and the error. */
  crashes: { index: number; kind: string; error: string }[];
}

const KINDS = ['flip', 'flips', 'truncate', 'shdr', 'shdr-field', 'symbol', 'btf'] as const;

/** One mutated copy of `base`, deterministic in the generator's state. */
export function mutateObject(base: Uint8Array, rng: Prng, kind: (typeof KINDS)[number]): Uint8Array {
  const b = Uint8Array.from(base);
  const dv = new DataView(b.buffer);
  const shoff = Number(dv.getBigUint64(40, true));
  const shnum = dv.getUint16(60, true);
  const section = (): number => shoff + rng.nextInt(shnum) * 64;
  const word = (at: number): void => {
    if (at + 4 > b.length) return;
    const v = [
      0,
      1,
      0xffffffff,
      0x7fffffff,
      0x80000000,
      rng.nextU32(),
      dv.getUint32(at, true) + 1,
      dv.getUint32(at, true) - 1,
    ][rng.nextInt(8)]!;
    dv.setUint32(at, v >>> 0, true);
  };
  switch (kind) {
    case 'flip':
      b[rng.nextInt(b.length)]! ^= 1 << rng.nextInt(8);
      return b;
    case 'flips':
      for (let i = 0, n = 1 + rng.nextInt(16); i < n; i++) b[rng.nextInt(b.length)] = rng.nextInt(256);
      return b;
    case 'truncate':
      return b.subarray(0, rng.nextInt(b.length));
    case 'shdr':
      // A whole section header scrambled.
      for (let i = 0, at = section(); i < 64; i += 4) if (rng.nextInt(3) === 0) word(at + i);
      return b;
    case 'shdr-field': {
      // One field: name, type, flags, offset, size, link, info or entsize.
      word(section() + [0, 4, 8, 24, 32, 40, 44, 56][rng.nextInt(8)]!);
      return b;
    }
    case 'symbol':
    case 'btf': {
      // A word inside the symbol table, or inside .BTF/.BTF.ext.
      const wanted = kind === 'symbol' ? [2] : [1];
      const hdrs = Array.from({ length: shnum }, (_, i) => shoff + i * 64).filter(
        (h) => h + 64 <= b.length && wanted.includes(dv.getUint32(h + 4, true)),
      );
      const h = hdrs.length ? hdrs[rng.nextInt(hdrs.length)]! : section();
      const off = Number(dv.getBigUint64(h + 24, true));
      const size = Number(dv.getBigUint64(h + 32, true));
      if (size >= 4 && off + size <= b.length) word(off + (rng.nextInt(size >> 2) << 2));
      return b;
    }
  }
}

/** Opens, links and loads `count` mutants of the fixtures from `seed`; never throws for a KernelError. */
export function fuzzObjects(count: number, seed = 1, onEach?: (index: number) => void): ElfFuzzSummary {
  const rng = new Prng(seed);
  const bases = Object.keys(BPF_OBJECT_FIXTURES).map((n) => bpfObjectFixture(n));
  const out: ElfFuzzSummary = { count, loaded: 0, errors: {}, crashes: [] };
  for (let i = 0; i < count; i++) {
    const kind = KINDS[rng.nextInt(KINDS.length)]!;
    const bytes = mutateObject(bases[rng.nextInt(bases.length)]!, rng, kind);
    try {
      // A small instruction budget: mutated code is verified, never run.
      createBpf({ budget: 1 << 16 })
        .obj_open(bytes, { name: 'fuzz.o' })
        .load();
      out.loaded++;
    } catch (e) {
      if (e instanceof KernelError) out.errors[e.errno] = (out.errors[e.errno] ?? 0) + 1;
      else out.crashes.push({ index: i, kind, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
    onEach?.(i);
  }
  return out;
}

/**
 * The object loader under mutation (bpf_object_fuzz.ts): a seeded few hundred mutants of the C fixtures; only
 * KernelErrors may come out. BPF_FUZZ_ITERS=n runs longer; scripts/fuzz-elf.ts runs 10,000 with a report.
 */
import { describe, expect, it } from 'vitest';
import { Prng } from '../common/prng';
import { fuzzObjects, mutateObject } from './bpf_object_fuzz';
import { bpfObjectFixture } from './fixtures/objects';

const ITERS = Number((import.meta.env as Record<string, string | undefined>)['BPF_FUZZ_ITERS'] ?? 300);

describe('BPF object loader fuzz', () => {
  it(`${ITERS} mutated objects: every failure is a KernelError`, () => {
    const s = fuzzObjects(ITERS, 21);
    expect(s.crashes).toEqual([]);
    // The mutations reach past the ELF header: some objects still load, others fail in BTF, relocation or the verifier.
    expect(s.loaded).toBeGreaterThan(0);
    expect(Object.keys(s.errors).length).toBeGreaterThan(1);
    expect(s.loaded + Object.values(s.errors).reduce((a, b) => a + b, 0)).toBe(ITERS);
  });

  it('mutates deterministically from the seed', () => {
    const base = bpfObjectFixture('sum_for');
    const a = mutateObject(base, new Prng(7), 'shdr');
    const b = mutateObject(base, new Prng(7), 'shdr');
    expect(a).toEqual(b);
    expect(a).not.toEqual(base);
  });
});

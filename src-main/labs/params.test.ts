import { describe, expect, it } from 'vitest';
import { fmix32, fnv1a, labParams, parseRoster, seedFromName } from './params';

describe('seeded variants', () => {
  it('fnv1a is the 32-bit FNV-1a hash', () => {
    // Reference values of FNV-1a 32 (the empty string is the offset basis).
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it('draws each parameter in range, the same for the same seed, and differently across students', () => {
    const specs = { pages: { int: [2, 9] as [number, number] }, gfp: { choice: ['GFP_KERNEL', 'GFP_USER'] } };
    const seen = new Set<number>();
    for (let s = 0; s < 200; s++) {
      const p = labParams(specs, s);
      expect(p).toEqual(labParams(specs, s));
      expect(p.pages).toBeGreaterThanOrEqual(2);
      expect(p.pages).toBeLessThanOrEqual(9);
      expect(['GFP_KERNEL', 'GFP_USER']).toContain(p.gfp);
      seen.add(p.pages as number);
    }
    expect(seen.size).toBe(8);
    expect(labParams(undefined, 5)).toEqual({});
  });

  it("draws a lab's parameters independently: every combination of two comes up, about equally often", () => {
    // Two parameters of even-sized ranges: with FNV-1a alone their low bits were tied, and half the pairs never came.
    const specs = { memory: { choice: ['1G', '2G'] }, pages: { int: [3, 20] as [number, number] } };
    const counts = new Map<string, number>();
    for (let s = 0; s < 4000; s++) {
      const p = labParams(specs, s);
      const key = `${p.memory}/${(p.pages as number) % 2 ? 'odd' : 'even'}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['1G/even', '1G/odd', '2G/even', '2G/odd']);
    // 1000 each if independent and uniform; a tie between them would give 0 and 2000.
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(150);
  });

  it('fmix32 is MurmurHash3\'s finaliser', () => {
    expect(fmix32(0)).toBe(0);
    // fmix32(1) = 0x514e28b7 (MurmurHash3_x86_32 reference).
    expect(fmix32(1)).toBe(0x514e28b7);
  });

  it('a parameter keeps its value when another is added', () => {
    expect(labParams({ a: { int: [0, 1000] } }, 42).a).toBe(
      labParams({ a: { int: [0, 1000] }, b: { int: [0, 9] } }, 42).a,
    );
  });

  it('derives a seed from the file name without its extension', () => {
    expect(seedFromName('subs/alice.js')).toBe(fnv1a('alice'));
    expect(seedFromName('alice.ts')).toBe(seedFromName('alice.js'));
    expect(seedFromName('alice.js')).not.toBe(seedFromName('bob.js'));
  });

  it('reads a roster, and says which line is wrong', () => {
    const r = parseRoster('student,seed\nalice,17\n"bob.js",4294967295\n');
    expect([...r]).toEqual([
      ['alice', 17],
      ['bob', 4294967295],
    ]);
    expect(() => parseRoster('file,seed\nalice,-1\n')).toThrow(/roster line 2: seed '-1'/);
    expect(() => parseRoster('name,number\n')).toThrow(/file \(or student\) column and a seed column/);
  });
});

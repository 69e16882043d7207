import { describe, expect, it } from 'vitest';
import { engineAgreement, soundnessRun } from './soundness';

const COUNT = Number((import.meta.env as Record<string, string | undefined>)['BPF_SOUNDNESS_COUNT'] ?? 5000);

/**
 * The soundness runs of CI (`npm run fuzz` runs 100,000): every accepted program runs in the interpreter and
 * both JITs with garbage where it may not read, and must not fault.
 */
describe('soundness under poisoned memory', () => {
  // Minutes of CPU on a loaded 2-core machine: a bound on a hang, not on speed.
  it(`no program the verifier accepts faults (${COUNT} programs, seed 20261207)`, { timeout: 1_800_000 }, () => {
    const s = soundnessRun(20261207, COUNT);
    const shown = s.faults
      .slice(0, 3)
      .map((f) => `${f.kind} #${f.index} ${f.engine} ${f.errno}: ${f.message}\n${f.program}`);
    expect(shown).toEqual([]);
    // Every generator makes programs the verifier accepts, so the runs check something.
    for (const [kind, k] of Object.entries(s.kinds)) expect(k.accepted, kind).toBeGreaterThan(0);
  });
});

describe('the engines agree on the soundness corpus', () => {
  it(
    'the interpreter, the JS JIT and the WebAssembly JIT give the same outcome on fresh machines',
    { timeout: 1_800_000 },
    () => {
      const a = engineAgreement(20261208, Math.min(COUNT, 1500));
      expect(a.mismatches.slice(0, 3)).toEqual([]);
      // Most of the corpus runs, so the comparison checks something.
      expect(a.ran).toBeGreaterThan(a.programs / 4);
      expect(a.wasmCompiled).toBeGreaterThan(a.ran / 4);
      console.log(
        `engine agreement: ${a.programs} programs, ${a.ran} ran, ${a.wasmCompiled} compiled by the WebAssembly JIT`,
      );
    },
  );
});

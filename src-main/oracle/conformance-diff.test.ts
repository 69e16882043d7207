import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { conformanceDiff } from './conformance-diff';
import { kernelOracle } from './index';

const TESTS = fileURLToPath(new URL('../../third_party/bpf-conformance/tests', import.meta.url));
const oracle = kernelOracle();
const avail = oracle.available();
const skip = avail.ok ? undefined : avail.why;
if (skip) console.log(`kernel oracle: conformance differential skipped (${skip})`);

it('has the suite in the repository (third_party/bpf-conformance)', () => {
  expect(existsSync(TESTS)).toBe(true);
});

describe.skipIf(skip !== undefined)('bpf_conformance through the kernel and our engine', () => {
  it('gives the same r0 in the kernel test run, our interpreter and our JIT for every program the kernel accepts', () => {
    const files = readdirSync(TESTS)
      .filter((f) => f.endsWith('.data'))
      .sort()
      .map((name) => ({ name, text: readFileSync(`${TESTS}/${name}`, 'utf8') }));
    const s = conformanceDiff(oracle, files);
    console.log(
      `kernel oracle: conformance ${s.ran}/${s.total} programs ran in the kernel (${s.full64} compared on 64 bits), ` +
        `retval agreement ${s.agree}/${s.ran} (${((100 * s.agree) / Math.max(1, s.ran)).toFixed(1)} %); ` +
        `kernel verifier rejected ${s.sent - s.accepted}, not sent ${s.total - s.sent}`,
    );
    expect(
      s.cases
        .filter((c) => c.status === 'ran' && !c.agree)
        .map((c) => `${c.name}: kernel 0x${c.kernel!.toString(16)} interp 0x${c.interp!.toString(16)}`),
    ).toEqual([]);
    expect(s.cases.filter((c) => c.status === 'run-failed').map((c) => `${c.name}: ${c.why}`)).toEqual([]);
    // What the 6.18 verifier refuses in this suite: out-of-range constant shifts, misaligned or variable-offset
    // context access, and a reserved opcode. Every one of these is a verifier rule, not a runtime difference.
    for (const c of s.cases.filter((x) => x.status === 'rejected')) {
      expect(c.why, c.name).toMatch(
        /^(invalid shift -?\d+|invalid bpf_context access off=\d+ size=\d+|dereference of modified ctx ptr R\d+ off=\d+ disallowed|unknown opcode [0-9a-f]+)$/,
      );
    }
    expect(s.ran).toBeGreaterThanOrEqual(250);
  });
});

/**
 * Lab 09 beyond labs.test.ts's rules: the engine's built-in stand-in does not count as the student's program, and a
 * program that stripes consistently but wrongly (every write reads back) is caught by the layout criterion.
 */
import { describe, expect, it } from 'vitest';
import { RunRequestSchema } from '../contract';
import { runInSandbox } from '../sandbox/sandbox';
import { checkRun, labSolution } from './labs';

async function check(code: string) {
  const outcome = await runInSandbox(RunRequestSchema.parse({ code, filename: 'lab09.js', language: 'javascript', limits: { timeoutMs: 60_000 } }), { output: () => {}, progress: () => {} });
  expect(outcome.error).toBeUndefined();
  const checks = await checkRun('09-stripe-offload', { result: outcome.result, output: '', kernels: outcome.kernels ?? [] });
  return Object.fromEntries(checks.map((c) => [c.name, c]));
}

const sol = (await labSolution('09-stripe-offload')).code;
const PROGRAM = 'your stripe program passed the verifier and runs on every eBPF device';
const LAYOUT = 'your program puts every piece of a request where RAID-0 puts it';
const VERIFY = 'writes across chunk boundaries read back intact through your program (the machine’s fio record)';
const THROUGH = 'every request of the eBPF devices went through your program in the kernel, one SQE per chunk piece';
const POINTS = 'every point you report is the engine’s';

describe('lab 09 checks the student’s own BPF program', () => {
  it('the built-in stand-in gives the same figures but does not count as a program of the student’s', async () => {
    const noProg = sol.replace(/\n\s*if \(path === 'ebpf'\) opts\.bpf_prog = .*\n/, '\n');
    expect(noProg).not.toBe(sol);
    const c = await check(noProg);
    expect(c[POINTS]!.pass).toBe(true);
    for (const name of [PROGRAM, LAYOUT, VERIFY, THROUGH]) expect(c[name]!.pass, name).toBe(false);
  });

  it('a program that puts chunk c on member (c + 1) % 4 reads back fine but fails the layout', async () => {
    const shifted = sol.replace('r3 &= 3                        // member: chunk % 4', 'r3 += 1\n  r3 &= 3');
    expect(shifted).not.toBe(sol);
    const c = await check(shifted);
    expect(c[VERIFY]!.pass).toBe(true);
    expect(c[THROUGH]!.pass).toBe(true);
    expect(c[LAYOUT]!.pass).toBe(false);
    expect(c[LAYOUT]!.detail).toMatch(/belongs on file/);
  });
});

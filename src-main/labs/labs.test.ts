/**
 * Every lab: its files are there and well-formed, its reference solution passes every criterion, its starter
 * does not, and a script that only reports the solution's result (or prints its output) without doing the work
 * is caught by at least one criterion.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunRequestSchema } from '../contract';
import { runInSandbox } from '../sandbox/sandbox';
import { checkRun, labsDir, labSolution, listLabs, openLab } from './labs';

async function runLab(id: string, code: string, filename: string) {
  let output = '';
  const meta = (await listLabs()).find((l) => l.id === id)!;
  const outcome = await runInSandbox(
    RunRequestSchema.parse({ code, filename, language: filename.endsWith('.ts') ? 'typescript' : 'javascript', limits: { timeoutMs: 60_000, ...(meta.limits ?? {}) } }),
    { output: (_s, t) => (output += t), progress: () => {} },
  );
  const checks = await checkRun(id, {
    result: outcome.result,
    output,
    kernels: outcome.kernels ?? [],
    ...(outcome.error ? { error: { name: outcome.error.name, message: outcome.error.message } } : {}),
  });
  return { outcome, output, checks };
}

const labs = await listLabs();

describe('labs', () => {
  it('there are labs, with unique ids', () => {
    expect(labs.length).toBeGreaterThan(0);
    expect(new Set(labs.map((l) => l.id)).size).toBe(labs.length);
  });

  for (const lab of labs) {
    describe(lab.id, () => {
      it('has its files', async () => {
        for (const f of ['README.md', 'check.js', lab.starter ?? 'starter.js']) expect(existsSync(path.join(labsDir(), lab.id, f)), f).toBe(true);
        const opened = await openLab(lab.id);
        expect(opened.readme).toMatch(/^# /);
      });

      it('the reference solution passes every criterion', async () => {
        const sol = await labSolution(lab.id);
        const { checks, outcome } = await runLab(lab.id, sol.code, sol.name);
        expect(outcome.error).toBeUndefined();
        expect(checks.filter((c) => !c.pass)).toEqual([]);
        expect(checks.length).toBeGreaterThanOrEqual(3);
      });

      it('the starter does not pass', async () => {
        const opened = await openLab(lab.id);
        const { checks } = await runLab(lab.id, opened.starter, opened.starterName);
        expect(checks.some((c) => !c.pass)).toBe(true);
      });

      it('reporting the expected result without doing the work does not pass', async () => {
        const sol = await labSolution(lab.id);
        const real = await runLab(lab.id, sol.code, sol.name);
        const fake = `print(${JSON.stringify(real.output)}); lab.result(${JSON.stringify(real.outcome.result ?? null)});`;
        const { checks } = await runLab(lab.id, fake, 'fake.js');
        expect(checks.some((c) => !c.pass)).toBe(true);
      });
    });
  }
});

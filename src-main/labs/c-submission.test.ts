/**
 * A lab's C submission: the driver runs it with the source in `submission`, its lines unmoved; a lab without a C
 * part and a C file without a lab are refused in one line. With clang, labs 04's and 05's C solutions pass every
 * criterion and their C starters do not (skipped with the reason printed without clang).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findClang } from '../clang/bpf-clang';
import { startRun } from '../session/session';
import { cSubmissionRun, isCSource } from './c-submission';
import { labById } from './labs';
import { runAsSubmission } from './validate';

const clang = findClang();
if (!clang.ok) console.log(`clang: the C submission runs skipped (${clang.why})`);

describe('C submissions', () => {
  it('run as the lab driver, with the source defined on its first line', () => {
    const lab = labById('04-sum-three-ways');
    const run = cSubmissionRun(lab, 'mine.bpf.c', 'int x;\n');
    const driver = readFileSync(path.join(lab.dir, 'run-c.js'), 'utf8');
    expect(run.filename).toBe('run-c.js');
    expect(run.code.split('\n').length).toBe(driver.split('\n').length);
    expect(run.code.startsWith('const submission = Object.freeze({"filename":"mine.bpf.c","c":"int x;\\n"}); ')).toBe(
      true,
    );
    expect(isCSource('a.bpf.c')).toBe(true);
    expect(isCSource('a.js')).toBe(false);
  });

  it('are refused by a lab with no C part, and without a lab', () => {
    expect(() => cSubmissionRun(labById('01-secretmem-split'), 'a.bpf.c', '')).toThrow(
      'lab 01-secretmem-split has no C part: submit a script (.js or .ts), not a.bpf.c',
    );
    expect(() => startRun({ code: 'int x;', filename: 'a.bpf.c' }, () => {})).toThrow(/^a\.bpf\.c is C, not a script/);
  });

  it.skipIf(!clang.ok)(
    'lab 05: each program loads on its own; the C solution passes all, the starter none',
    async () => {
      const lab = labById('05-verifier-repairs');
      const read = (f: string): string => readFileSync(path.join(lab.dir, f), 'utf8');
      const sol = await runAsSubmission(lab, read('solution.bpf.c'), 'solution.bpf.c', 1);
      expect(sol.checks.filter((c) => !c.pass)).toEqual([]);
      expect(sol.checks.length).toBe(6);
      // Every starter program is rejected, each with its own reason: none hides behind another's failure.
      const starter = await runAsSubmission(lab, read('starter.bpf.c'), 'starter.bpf.c', 1);
      expect(starter.checks.filter((c) => c.pass)).toEqual([]);
      // The solution with one program broken again: only that one fails.
      const one = read('solution.bpf.c').replace('prod = 0;', 'prod;');
      const r = await runAsSubmission(lab, one, 'one.bpf.c', 1);
      expect(r.checks.filter((c) => !c.pass).map((c) => c.name)).toEqual([
        'fix2 loads and computes 6 × 7 in a loop',
        'the reported results are what the programs return',
      ]);
    },
  );

  it.skipIf(!clang.ok)('lab 04: the C solution passes every criterion, the C starter fails some', async () => {
    const lab = labById('04-sum-three-ways');
    const sol = await runAsSubmission(
      lab,
      readFileSync(path.join(lab.dir, 'solution.bpf.c'), 'utf8'),
      'solution.bpf.c',
      1,
    );
    expect(sol.checks.filter((c) => !c.pass)).toEqual([]);
    expect(sol.checks.length).toBeGreaterThan(0);
    const starter = await runAsSubmission(
      lab,
      readFileSync(path.join(lab.dir, 'starter.bpf.c'), 'utf8'),
      'starter.bpf.c',
      1,
    );
    expect(starter.checks.some((c) => !c.pass)).toBe(true);
  });

  it('lab 12: the scripts embed the C files exactly', () => {
    const lab = labById('12-c-loop-rejected');
    for (const [js, c] of [
      ['starter.js', 'starter.bpf.c'],
      ['solution.js', 'solution.bpf.c'],
    ] as const) {
      const text = readFileSync(path.join(lab.dir, js), 'utf8');
      const m = /c: `([^`]*)`/.exec(text);
      expect(m?.[1], js).toBe(readFileSync(path.join(lab.dir, c), 'utf8'));
    }
  });
});

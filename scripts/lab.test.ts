import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

/** Runs `npm run lab -- ARGS` (tsx) and resolves its exit code and output. */
function lab(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'scripts/lab.ts'), ...args],
      { cwd: root },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('lab grade', () => {
  it('refuses an --out that is a file before grading anything, and leaves the file alone', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kl-grade-'));
    await mkdir(path.join(dir, 'subs'));
    await writeFile(path.join(dir, 'subs', 'a.js'), 'print(1)');
    await writeFile(path.join(dir, 'report.txt'), 'keep me');
    const r = await lab(['grade', '01-secretmem-split', path.join(dir, 'subs'), '--out', path.join(dir, 'report.txt')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out takes a folder for grades\.csv, grades\.json and grades\.xml; .*report\.txt: (EEXIST|ENOTDIR)/);
    expect(r.stderr).not.toMatch(/\[1\/1\]/);
    expect(await readFile(path.join(dir, 'report.txt'), 'utf8')).toBe('keep me');
  });

  it('writes a submission whose name is a formula into grades.csv as text', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kl-grade-'));
    const subs = path.join(dir, 'subs');
    await mkdir(subs);
    await writeFile(path.join(subs, '=1+1.js'), "const e = new Error('x'); e.name = '@SUM(A1)'; throw e;");
    const r = await lab(['grade', '01-secretmem-split', subs, '--out', path.join(dir, 'out'), '--jobs', '1']);
    expect(r.code).toBe(0);
    const csv = await readFile(path.join(dir, 'out', 'grades.csv'), 'utf8');
    const row = csv.split('\n')[1]!;
    expect(row.startsWith("'=1+1.js,0,")).toBe(true);
    // The error cell names the student's own line; it begins with the file's name, a formula, escaped too.
    expect(row).toContain(",'=1+1.js:1:20: @SUM(A1): x,");
  });
});

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
    expect(r.stderr).toMatch(
      /--out takes a folder for grades\.csv, grades\.json and grades\.xml; .*report\.txt: (EEXIST|ENOTDIR)/,
    );
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

describe('lab new, validate errors, and grade with seeded variants', () => {
  it('grades a course lab into CSV, JSON and JUnit, each student with their own numbers', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kl-course-'));
    const made = await lab(['new', '10-secret-pages', '--labs', dir]);
    expect(made.code).toBe(0);
    expect(made.stdout).toContain(path.join(dir, '10-secret-pages'));
    const listed = await lab(['list', '--labs', dir]);
    expect(listed.stdout).toMatch(
      new RegExp(
        `^10-secret-pages  \\[mm, level 1, seeded\\]  \\(${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`,
        'm',
      ),
    );
    const subs = path.join(dir, 'subs');
    await mkdir(subs);
    const labDir = path.join(dir, '10-secret-pages');
    await writeFile(path.join(subs, 'alice.js'), await readFile(path.join(labDir, 'solution.js'), 'utf8'));
    await writeFile(path.join(subs, 'bob.js'), await readFile(path.join(labDir, 'starter.js'), 'utf8'));
    await writeFile(path.join(subs, 'carol.js'), 'const k = boot();\nk.mm.nothing();\n');
    const r = await lab(['grade', `${labDir}/`, subs, '--out', path.join(dir, 'out'), '--jobs', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^faults in your number of secret pages \(lab\.params\.pages\)\s+1\/3\s+33%$/m);
    expect(r.stdout).toMatch(/^every criterion\s+1\/3\s+33%$/m);
    const json = JSON.parse(await readFile(path.join(dir, 'out', 'grades.json'), 'utf8')) as {
      graded: number;
      grades: { file: string; seed: number; params: { pages: number }; ok: boolean; error: string }[];
    };
    expect(json.graded).toBe(3);
    const [alice, bob, carol] = json.grades;
    expect(alice).toMatchObject({ file: 'alice.js', ok: true });
    expect(bob).toMatchObject({ file: 'bob.js', ok: false });
    expect(alice!.seed).not.toBe(bob!.seed);
    for (const g of json.grades) expect(g.params.pages).toBeGreaterThanOrEqual(2);
    // The student's own line and the cause, no stack.
    expect(carol!.error).toMatch(/^carol\.js:2:\d+: TypeError: \S/);
    expect(carol!.error).not.toContain('\n');
    const xml = await readFile(path.join(dir, 'out', 'grades.xml'), 'utf8');
    expect(xml.match(/<testsuite /g)).toHaveLength(3);
    expect(xml).toContain('<testsuite name="alice.js" tests="2" failures="0" errors="0"');
    expect(xml).toContain(
      `<property name="seed" value="${alice!.seed}"/><property name="param.pages" value="${alice!.params.pages}"/>`,
    );
    const csv = (await readFile(path.join(dir, 'out', 'grades.csv'), 'utf8')).split('\n');
    expect(csv[0]).toBe(
      'file,passed,total,all_pass,error,seed,param.pages,faults in your number of secret pages (lab.params.pages),reports DirectMap4k of your machine after the faults',
    );
    expect(csv[1]).toBe(`alice.js,2,2,true,,${alice!.seed},${alice!.params.pages},true,true`);
    // lab check shows a student their own variant: the same numbers grade gave them.
    const own = await lab([
      'check',
      '10',
      path.join(subs, 'alice.js'),
      '--labs',
      dir,
      '--seed',
      String(alice!.seed),
      '--json',
    ]);
    expect(own.code).toBe(0);
    expect((JSON.parse(own.stdout) as { params: unknown }).params).toEqual(alice!.params);
    // A roster gives bob alice's seed: the same variant.
    await writeFile(path.join(dir, 'roster.csv'), `student,seed\nbob,${alice!.seed}\n`);
    const r2 = await lab([
      'grade',
      '10',
      subs,
      '--labs',
      dir,
      '--roster',
      path.join(dir, 'roster.csv'),
      '--out',
      path.join(dir, 'out2'),
      '--jobs',
      '2',
    ]);
    expect(r2.code).toBe(0);
    const j2 = JSON.parse(await readFile(path.join(dir, 'out2', 'grades.json'), 'utf8')) as typeof json;
    expect(j2.grades[1]).toMatchObject({ file: 'bob.js', seed: alice!.seed, params: alice!.params });
    // Seven runs of the CLI, each in its own worker: more than the default per-test allowance on a shared machine.
  }, 300_000);

  it('check takes a prefix, shows the student no stack, and names the candidates of an ambiguous one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kl-check-'));
    await writeFile(path.join(dir, 'a.js'), 'const k = undefined;\nk.mm.meminfo();\n');
    const r = await lab(['check', '01', path.join(dir, 'a.js')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^a\.js:2:\d+: TypeError: .*\n$/);
    expect(r.stdout).not.toMatch(/check\.js|Cannot read properties of undefined \(reading 'mm'\)| {4}at /);
    const amb = await lab(['check', '0', path.join(dir, 'a.js')]);
    expect(amb.code).toBe(2);
    expect(amb.stderr).toContain(
      "lab: '0' is ambiguous: it could be 01-secretmem-split (built-in), 02-unmapped-policies (built-in)",
    );
  });

  it('validate names each bad field of lab.json', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kl-bad-'));
    await lab(['new', path.join(dir, '11-bad')]);
    await writeFile(
      path.join(dir, '11-bad', 'lab.json'),
      JSON.stringify({ title: 'x', engine: 'mm', level: 9, summary: 's', limits: { timeoutMs: -1 } }),
    );
    const r = await lab(['validate', path.join(dir, '11-bad')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`✗ lab.json: ${path.join(dir, '11-bad', 'lab.json')}:`);
    expect(r.stdout).toMatch(/level: 1, 2 or 3/);
    expect(r.stdout).toMatch(/limits\.timeoutMs: /);
  });
});

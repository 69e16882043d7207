/**
 * Lab folders anywhere (by path, id or prefix; course folders beside the built-in labs), `lab new`'s template,
 * and `lab validate`: the schema per field, the solution and starter on three seeds, leaks of expected values,
 * and checkers that throw or never end.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labsDir, readLabAt, resolveLab, scanLabs, setCourseDirs } from './labs';
import { scaffoldLab } from './scaffold';
import { leakedNumbers, numbersIn, runAsSubmission, validateLab } from './validate';

let course: string;
beforeAll(async () => {
  course = await mkdtemp(path.join(tmpdir(), 'kl-course-'));
  await scaffoldLab(path.join(course, '10-secret-pages'));
  setCourseDirs([course]);
});
afterAll(async () => {
  setCourseDirs([]);
  await rm(course, { recursive: true, force: true });
});

describe('finding a lab', () => {
  it('takes an id, a unique prefix, or a folder path with or without a trailing slash', () => {
    expect(resolveLab('01-secretmem-split').id).toBe('01-secretmem-split');
    expect(resolveLab('01').id).toBe('01-secretmem-split');
    const dir = path.join(labsDir(), '01-secretmem-split');
    expect(resolveLab(dir + '/').dir).toBe(dir);
    expect(resolveLab(path.relative(process.cwd(), dir)).id).toBe('01-secretmem-split');
  });

  it('lists the candidates of an ambiguous prefix, and the labs for an unknown one', () => {
    expect(() => resolveLab('0')).toThrow(/'0' is ambiguous: it could be 01-secretmem-split \(built-in\), 02-/);
    expect(() => resolveLab('99')).toThrow(/no lab '99' \(labs: 01-secretmem-split, .*10-secret-pages\)/);
    expect(() => resolveLab('./nowhere/42-x')).toThrow(/no lab folder \.\/nowhere\/42-x/);
  });

  it('adds a course folder’s labs beside the built-in ones, each with its source', () => {
    const { labs } = scanLabs();
    expect(labs.find((l) => l.id === '01-secretmem-split')?.source).toBe('built-in');
    expect(labs.find((l) => l.id === '10-secret-pages')).toMatchObject({
      source: course,
      params: { pages: { int: [2, 9] } },
    });
    expect(resolveLab('10').dir).toBe(path.join(course, '10-secret-pages'));
  });

  it('a broken lab.json is a problem named by file and field, and hides no other lab', async () => {
    const dir = path.join(course, '11-broken');
    await scaffoldLab(dir);
    await writeFile(
      path.join(dir, 'lab.json'),
      JSON.stringify({ title: '', engine: 'gpu', level: 4, summary: 's', extra: 1, params: { n: { int: [5, 1] } } }),
    );
    const { labs, problems } = scanLabs();
    expect(labs.some((l) => l.id === '10-secret-pages')).toBe(true);
    const p = problems.find((x) => x.dir === dir)!.message;
    expect(p).toContain(path.join(dir, 'lab.json'));
    for (const field of ['title:', 'engine:', 'level:', 'level: 1, 2 or 3', 'params.n.int: int: [min, max] with min <= max', 'Unrecognized key: "extra"'])
      expect(p).toContain(field);
    expect(() => resolveLab('11')).toThrow(/lab\.json/);
    await writeFile(path.join(dir, 'lab.json'), '{ "title": ');
    expect(() => readLabAt(dir)).toThrow(/11-broken\/lab\.json: not JSON/);
    await rm(dir, { recursive: true });
  });

  it('a lab folder’s name must be an id', async () => {
    const dir = path.join(course, 'My Lab');
    await scaffoldLab(path.join(course, '12-tmp'));
    await expect(scaffoldLab(dir)).rejects.toThrow(/'My Lab' is not a lab name: NN-slug/);
    await expect(scaffoldLab(path.join(course, '12-tmp'))).rejects.toThrow(/exists already/);
    await rm(path.join(course, '12-tmp'), { recursive: true });
  });
});

describe('the leak heuristic', () => {
  it('flags numbers only the solution produced, not the student’s own or the task’s', () => {
    const solution = numbersIn('{"directMap4k":20480,"pages":5}');
    const own = numbersIn('{"directMap4k":0,"pages":5} 12288');
    const known = numbersIn('boot a 1 GiB machine; 4096 bytes a page');
    expect(leakedNumbers('expected 20480, got 0', solution, own, known)).toEqual(['20480']);
    expect(leakedNumbers('you reported 12288', solution, own, known)).toEqual([]);
    expect(leakedNumbers('page 3 of 5', solution, own, known)).toEqual([]);
    expect([...numbersIn('gain 1.234 and -17, 3e3')]).toEqual(['-17', '3000']);
  });
});

describe('lab validate', () => {
  it('passes the lab that lab new makes, with its seeded parameter', async () => {
    const r = await validateLab(path.join(course, '10-secret-pages'));
    expect(r.problems).toEqual([]);
    expect(r.runs.filter((x) => x.what === 'solution.js').map((x) => x.passed === x.total)).toEqual([true, true, true]);
    expect(r.runs.filter((x) => x.what !== 'solution.js').every((x) => x.passed < x.total)).toBe(true);
  });

  it('catches a checker that gives the expected value away, and a solution that fails', async () => {
    const dir = path.join(course, '13-leaky');
    await scaffoldLab(dir);
    const check = await readFile(path.join(dir, 'check.js'), 'utf8');
    // The second criterion now computes the answer on a reference machine and prints it to everyone.
    await writeFile(
      path.join(dir, 'check.js'),
      check
        .replace(
          'detail: `you reported ${JSON.stringify(got)}`',
          "detail: (() => { const r = boot({ memory: '1G' }); const f = r.mm.memfd_secret(); for (let i = 0; i < params.pages; i++) f.fault(i); return `expected ${r.mm.meminfo().DirectMap4k}, got ${got}`; })()",
        )
        .replace('check: ({ k, result }) =>', 'check: ({ k, result, boot, params }) =>'),
    );
    await writeFile(path.join(dir, 'solution.js'), "const k = boot({ memory: '1G' }); lab.result({ pages: 0 });");
    const r = await validateLab(dir);
    const messages = r.problems.map((p) => `${p.file}: ${p.message}`).join('\n');
    expect(messages).toMatch(
      /check\.js: criterion 'reports DirectMap4k of your machine after the faults' reveals expected values to a failing submission \(starter\.js, seed 1\): \d+ in "expected \d+, got 0"/,
    );
    expect(messages).toMatch(
      /solution\.js: seed 1: the solution must pass every criterion; it fails 'faults in your number/,
    );
  });
});

describe('a broken checker never stops a run', () => {
  it('one that throws: the student gets a sentence, the instructor the error', async () => {
    const dir = path.join(course, '14-throws');
    await scaffoldLab(dir);
    const check = await readFile(path.join(dir, 'check.js'), 'utf8');
    await writeFile(
      path.join(dir, 'check.js'),
      check.replace('const faulted = k ?', 'const faulted = k.nothing.here ?'),
    );
    const r = await runAsSubmission(readLabAt(dir), '', 'empty.js', 1);
    const c = r.checks[0]!;
    expect(c).toMatchObject({
      pass: false,
      detail: 'this criterion looks at the machine your script boots, and the script booted none',
    });
    expect(c.detail).not.toMatch(/Cannot read properties/);
    expect(c.internal).toMatch(/check\.js threw: TypeError: Cannot read properties of undefined \(reading 'nothing'\)/);
    expect(r.checks[1]).toMatchObject({ pass: false });
  });

  it('one that never ends: the run ends with a failed check that says so', async () => {
    const dir = path.join(course, '15-hangs');
    await scaffoldLab(dir);
    const check = await readFile(path.join(dir, 'check.js'), 'utf8');
    await writeFile(path.join(dir, 'check.js'), check.replace('const faulted = k ?', 'for (;;); const faulted = k ?'));
    const r = await runAsSubmission(readLabAt(dir), 'lab.result(1)', 'a.js', 1, 500);
    expect(r.result).toBe(1);
    expect(r.checks).toEqual([
      expect.objectContaining({
        name: 'the lab could be checked',
        pass: false,
        detail: "the lab's checker did not finish",
      }),
    ]);
    expect(r.checks[0]!.internal).toMatch(/15-hangs\/check\.js: did not finish within 500 ms/);
  });

  it('a missing solution or checker is a located problem', async () => {
    const dir = path.join(course, '16-bare');
    await scaffoldLab(dir);
    await rm(path.join(dir, 'solution.js'));
    await rm(path.join(dir, 'check.js'));
    const r = await validateLab(dir);
    expect(r.problems.map((p) => p.message)).toEqual([
      `${path.join(dir, 'solution.js')}: lab 16-bare has no solution (solution.js or solution.ts)`,
      `${path.join(dir, 'check.js')}: the lab has no checker`,
    ]);
  });
});

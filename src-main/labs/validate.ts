/**
 * `lab validate`: whether a lab folder is ready for students. Each finding names its file (and field):
 * - lab.json matches its schema, README.md, check.js and the starter are there, and there is a solution;
 * - the solution passes every criterion and the starter fails one, on each of three seeds (the same verdict on
 *   every seed: a checker must not depend on luck);
 * - no failing run's feedback reveals an expected value (below);
 * - a lab with a C part (lab.json `c`): its C solution passes and its C starter fails as well, where this machine
 *   has a clang (a warning saying so otherwise: the script's part is validated all the same).
 *
 * The leak heuristic: a number is "expected" when the solution's run produced it (its result and output) and the
 * failing run did not (its own result and output); a number the lab's README or a criterion's name or hint
 * already states is public. A failing criterion's detail that contains an expected number gives the answer away.
 * Numbers below 10 are left out: counts such as "1 of 3" are not answers.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CriterionResult, RunError } from '../contract';
import { findClang } from '../clang/bpf-clang';
import { startRun } from '../session/session';
import { labSolution, openLabAt, readLabAt, type LabInfo } from './labs';

export interface Finding {
  /** The file the finding is about (lab.json, check.js, solution.js, ...). */
  file: string;
  message: string;
}

export interface ValidateReport {
  lab?: LabInfo;
  problems: Finding[];
  /** Worth fixing, but not wrong: a checker that throws on a failing run (the student sees a plain sentence). */
  warnings: Finding[];
  /** What was run, for the report: each run's verdict. */
  runs: { what: string; seed: number; passed: number; total: number; error?: string }[];
}

export const VALIDATE_SEEDS = [1, 2, 3] as const;

interface Ran {
  checks: CriterionResult[];
  result: unknown;
  output: string;
  error?: RunError;
}

/** One run of a script as a submission of `lab` (the session: a worker, the lab's limits, its checker). */
export async function runAsSubmission(
  lab: LabInfo,
  code: string,
  filename: string,
  seed: number,
  checkTimeoutMs?: number,
): Promise<Ran> {
  let output = '';
  const handle = startRun(
    { code, filename, language: /\.ts$/.test(filename) ? 'typescript' : 'javascript', seed, lab: lab.id },
    (e) => {
      if (e.type === 'output') output += e.text;
    },
    { lab, ...(checkTimeoutMs !== undefined ? { checkTimeoutMs } : {}) },
  );
  const done = await handle.done;
  return { checks: done.checks ?? [], result: done.result, output, ...(done.error ? { error: done.error } : {}) };
}

/** Every number written in a text (integers and decimals, as printed), as strings normalised by Number(). */
export function numbersIn(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi)) {
    const n = Number(m[0]);
    if (Number.isFinite(n) && Math.abs(n) >= 10) out.add(String(n));
  }
  return out;
}

/** The expected numbers a failing run's feedback gives away (see the file's header). */
export function leakedNumbers(detail: string, solution: Set<string>, own: Set<string>, known: Set<string>): string[] {
  return [...numbersIn(detail)].filter((n) => solution.has(n) && !own.has(n) && !known.has(n));
}

const runText = (r: Ran): string => `${JSON.stringify(r.result ?? null)}\n${r.output}`;
const verdict = (r: Ran): boolean => r.checks.length > 0 && r.checks.every((c) => c.pass);

export async function validateLab(
  dir: string,
  opts: { checkTimeoutMs?: number; onProgress?: (what: string) => void } = {},
): Promise<ValidateReport> {
  const problems: Finding[] = [];
  const warnings: Finding[] = [];
  const seen = new Set<string>();
  /** Each finding once, whichever seed or run found it first. */
  const add = (list: Finding[], key: string, f: Finding): void => {
    if (seen.has(key)) return;
    seen.add(key);
    list.push(f);
  };
  const runs: ValidateReport['runs'] = [];
  let lab: LabInfo;
  try {
    lab = readLabAt(dir);
  } catch (e) {
    return { problems: [{ file: 'lab.json', message: (e as Error).message }], warnings, runs };
  }
  let opened: Awaited<ReturnType<typeof openLabAt>> | undefined;
  try {
    opened = await openLabAt(lab);
    if (!/^# /.test(opened.readme))
      problems.push({
        file: 'README.md',
        message: `${path.join(lab.dir, 'README.md')}: must begin with a '# Title' line`,
      });
  } catch (e) {
    problems.push({ file: 'README.md', message: (e as Error).message });
  }
  let solution: { code: string; name: string } | undefined;
  try {
    solution = await labSolution(lab);
  } catch (e) {
    problems.push({ file: 'solution.js', message: (e as Error).message });
  }
  try {
    await readFile(path.join(lab.dir, 'check.js'), 'utf8');
  } catch {
    problems.push({ file: 'check.js', message: `${path.join(lab.dir, 'check.js')}: the lab has no checker` });
    return { lab, problems, warnings, runs };
  }
  // The C part (lab.json `c`): its solution and starter run beside the script's, where this machine has a clang.
  let cSol: { code: string; name: string } | undefined;
  let cStarter: { code: string; name: string } | undefined;
  if (lab.c) {
    const c = lab.c;
    const readC = async (name: string): Promise<string | undefined> => {
      try {
        return await readFile(path.join(lab.dir, name), 'utf8');
      } catch (e) {
        problems.push({
          file: name,
          message: `${path.join(lab.dir, name)}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        });
        return undefined;
      }
    };
    const [solText, starterText, driverText] = [await readC(c.solution), await readC(c.starter), await readC(c.driver)];
    const clang = findClang();
    if (!clang.ok) warnings.push({ file: c.solution, message: `the C part was not run: ${clang.why}` });
    else if (solText !== undefined && starterText !== undefined && driverText !== undefined) {
      cSol = { code: solText, name: c.solution };
      cStarter = { code: starterText, name: c.starter };
    }
  }
  const record = (what: string, seed: number, r: Ran): void => {
    runs.push({
      what,
      seed,
      passed: r.checks.filter((c) => c.pass).length,
      total: r.checks.length,
      ...(r.error ? { error: `${r.error.name}: ${r.error.message}` } : {}),
    });
    // A checker that throws on the solution is broken; on a failing run it is a warning (the student is told plainly).
    const onSolution = what === solution?.name || what === cSol?.name;
    for (const c of r.checks) {
      if (!c.internal) continue;
      add(onSolution ? problems : warnings, `internal:${what}:${c.name}`, {
        file: 'check.js',
        message: `${what} (seed ${seed}), criterion '${c.name}': ${c.internal.split('\n').slice(0, 3).join('\n')}`,
      });
    }
  };
  // Each seed's solution runs (the script's, then the C one's): what a failing run must not give away.
  const solRuns: Ran[][] = VALIDATE_SEEDS.map(() => []);
  for (const sol of [solution, cSol]) {
    if (!sol) continue;
    for (const [i, seed] of VALIDATE_SEEDS.entries()) {
      opts.onProgress?.(`${sol.name}, seed ${seed}`);
      const r = await runAsSubmission(lab, sol.code, sol.name, seed, opts.checkTimeoutMs);
      record(sol.name, seed, r);
      solRuns[i]!.push(r);
      if (!verdict(r)) {
        const failed = r.checks.filter((c) => !c.pass).map((c) => `'${c.name}'${c.detail ? ` (${c.detail})` : ''}`);
        problems.push({
          file: sol.name,
          message: `seed ${seed}: the solution must pass every criterion; ${r.checks.length === 0 ? 'no criterion was checked' : `it fails ${failed.join(', ')}`}${r.error ? `; the run failed: ${r.error.name}: ${r.error.message}` : ''}`,
        });
      }
    }
  }
  // The failing runs: the starter (the script's and the C one), and a script that does nothing.
  const failing: { name: string; code: string }[] = [];
  if (opened) failing.push({ name: opened.starterName, code: opened.starter });
  if (cStarter) failing.push(cStarter);
  failing.push({ name: 'empty.js', code: '' });
  const known = new Set<string>([...numbersIn(opened?.readme ?? ''), ...numbersIn(JSON.stringify(lab))]);
  const failRuns: { name: string; seed: number; r: Ran }[] = [];
  for (const f of failing) {
    for (const seed of VALIDATE_SEEDS) {
      opts.onProgress?.(`${f.name}, seed ${seed}`);
      const r = await runAsSubmission(lab, f.code, f.name, seed, opts.checkTimeoutMs);
      record(f.name, seed, r);
      failRuns.push({ name: f.name, seed, r });
      if (verdict(r))
        problems.push({
          file: f.name,
          message: `seed ${seed}: ${f.name === 'empty.js' ? 'an empty script' : 'the starter'} passes every criterion; it must fail at least one`,
        });
    }
  }
  // Names and hints are shown to every student: what they state is public.
  for (const r of [...solRuns.flat(), ...failRuns.map((f) => f.r)])
    for (const c of r.checks) for (const n of numbersIn(`${c.name} ${c.hint ?? ''}`)) known.add(n);
  for (const { name, seed, r } of failRuns) {
    const sols = solRuns[VALIDATE_SEEDS.indexOf(seed as 1 | 2 | 3)] ?? [];
    if (!sols.length) continue;
    const solNums = new Set<string>();
    for (const sol of sols) {
      for (const n of numbersIn(runText(sol))) solNums.add(n);
      for (const c of sol.checks) if (c.detail) for (const n of numbersIn(c.detail)) solNums.add(n);
    }
    const own = numbersIn(runText(r));
    for (const c of r.checks) {
      if (c.pass || !c.detail) continue;
      const leaked = leakedNumbers(c.detail, solNums, own, known);
      if (leaked.length) {
        add(problems, `leak:${c.name}`, {
          file: 'check.js',
          message: `criterion '${c.name}' reveals expected values to a failing submission (${name}, seed ${seed}): ${leaked.join(', ')} in "${c.detail.slice(0, 200)}"`,
        });
      }
      if (/\{\}/.test(c.detail))
        add(problems, `empty:${c.name}`, {
          file: 'check.js',
          message: `criterion '${c.name}': its message has an empty {} placeholder: "${c.detail.slice(0, 200)}"`,
        });
    }
  }
  return { lab, problems, warnings, runs };
}

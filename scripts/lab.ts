/**
 * The lab's command line: `npm run lab -- run FILE [--seed N] [--json] [--timeout MS]` runs a script headless
 * through the same session code and limits as the app. Exit status: 0 success, 1 the script threw (or hit a
 * limit), 2 bad usage.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS, KERNEL_OFF, type CriterionResult, type RunError, type RunEvent } from '../src-main/contract';
import { gradesCsv } from '../src-main/labs/grades-csv';
import { gradesJson, gradesJunit, summaryTable, type Grade } from '../src-main/labs/grade-reports';
import { resolveLab, scanLabs, setCourseDirs, type LabInfo } from '../src-main/labs/labs';
import { labParams, parseRoster, seedFromName } from '../src-main/labs/params';
import { scaffoldLab } from '../src-main/labs/scaffold';
import { validateLab } from '../src-main/labs/validate';
import { progressBar } from './progress';
import { startRun, type DoneEvent } from '../src-main/session/session';

const USAGE = `usage: npm run lab -- run FILE [--seed N] [--json] [--timeout MS] [--allow-kernel]
       npm run lab -- check LAB FILE [--seed N] [--json] [--labs DIR]
       npm run lab -- grade LAB FOLDER [--out DIR] [--jobs N] [--seed N | --roster CSV] [--labs DIR]
       npm run lab -- list [--labs DIR]
       npm run lab -- new NAME [--from LAB] [--labs DIR]
       npm run lab -- validate LAB [--labs DIR]

  run FILE         run a script (.js or .ts) headless and print its output
  check LAB FILE   run FILE as a submission of lab LAB and check it; exit 0 when every criterion
                   passes, 1 otherwise. LAB: an id (01-secretmem-split), a unique prefix (01) or
                   a lab folder's path (labs/01-secretmem-split/). A lab with a C part also takes
                   a .c file (lab.json "c"), compiled by this machine's clang; grade takes those too
  grade LAB DIR    check every .js/.ts file of DIR in parallel; writes grades.csv, grades.json and
                   grades.xml (JUnit) in --out DIR (default DIR itself) and prints a summary per
                   criterion; exit 0 when every submission was graded, passing or not
  list             list the labs, built-in and from course folders, with where each comes from
  new NAME         make a working lab folder NAME (NN-slug) in the first course folder (--labs),
                   or the current folder; --from LAB copies that lab instead of the template
  validate LAB     check a lab folder: lab.json's schema, the solution passes and the starter
                   fails on three seeds, and no failing feedback reveals an expected value
  --labs DIR       a course folder of labs, beside the built-in ones (repeatable; also
                   $KERNEL_LAB_LABS, separated like PATH)
  --seed N         seed of every PRNG of the run (default 1; grade: each student's own, from the
                   file name, unless --seed or --roster CSV (file,seed) gives it)
  --json           print one JSON object { output, result, error, stats[, checks] } instead
  --timeout MS     deadline of the run in milliseconds (default ${DEFAULT_LIMITS.timeoutMs}; a lab sets its own)
  --allow-kernel   run only: let the script load and run BPF programs in this machine's kernel (as root),
                   within the kernel oracle's allow-list (k.bpf.kernel_verify, kernel_test_run); off
                   without it, and always off in check and grade`;

function usage(message?: string): never {
  if (message) console.error(`lab: ${message}`);
  console.error(USAGE);
  process.exit(2);
}

/** A run's error; a student's (check, grade) is their own line and the cause, with no stack. */
function formatError(e: RunError, student = false): string {
  const where = e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : '';
  const head =
    e.kind === 'limit' || e.kind === 'stopped'
      ? e.message
      : `${where}${e.name}: ${e.message}${e.errno ? ` [${e.errno}]` : ''}`;
  return e.stack && e.kind !== 'syntax' && !student ? `${head}\n${e.stack.replace(/^/gm, '    ')}` : head;
}

interface Submission {
  file: string;
  lab?: LabInfo;
  seed: number;
  timeoutMs?: number;
  /** The person at the keyboard passed --allow-kernel (lab run only). */
  allowKernel?: boolean;
}

/** Runs one file through the session (a worker thread, the app's sandbox and limits). */
async function runFile(sub: Submission, onEvent: (e: RunEvent) => void): Promise<DoneEvent> {
  const code = await readFile(sub.file, 'utf8');
  const handle = startRun(
    {
      code,
      filename: path.basename(sub.file),
      language: /\.(ts|mts|cts)$/.test(sub.file) ? 'typescript' : 'javascript',
      seed: sub.seed,
      ...(sub.timeoutMs !== undefined ? { limits: { timeoutMs: sub.timeoutMs } } : {}),
      ...(sub.lab ? { lab: sub.lab.id } : {}),
    },
    onEvent,
    {
      kernel: () => (sub.allowKernel ? { allowed: true } : { allowed: false, why: KERNEL_OFF.cli }),
      ...(sub.lab ? { lab: sub.lab } : {}),
    },
  );
  const onSigint = (): void => void handle.stop();
  process.once('SIGINT', onSigint);
  try {
    return await handle.done;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function parseSeed(v: string | undefined): number {
  const seed = v === undefined ? 1 : Number(v);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    usage(`--seed takes a whole number from 0 to 4294967295, not '${v}'`);
  return seed;
}

type Parsed = { values: Record<string, string | boolean | undefined>; positionals: string[] };

function parse(argv: string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options']): Parsed {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options }) as unknown as Parsed;
  } catch (e) {
    usage((e as Error).message);
  }
}

async function readable(file: string): Promise<void> {
  try {
    await readFile(file, 'utf8');
  } catch (e) {
    usage(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function printChecks(checks: CriterionResult[] | undefined): void {
  for (const c of checks ?? []) {
    console.log(
      `${c.pass ? '✓' : '✗'} ${c.name}${c.pass ? '' : `\n    hint: ${c.hint ?? ''}`}${c.detail && !c.pass ? `\n    ${c.detail}` : ''}`,
    );
  }
}

/** --labs DIR (repeatable) adds course folders beside $KERNEL_LAB_LABS. */
const LABS_OPTION = { labs: { type: 'string', multiple: true } } as const;

function useCourseDirs(values: Parsed['values']): void {
  const dirs = (values.labs as unknown as string[] | undefined) ?? [];
  for (const d of dirs) if (!existsSync(d)) usage(`--labs ${d}: no such folder`);
  setCourseDirs(dirs);
}

function labOrUsage(ref: string): LabInfo {
  try {
    return resolveLab(ref);
  } catch (e) {
    usage((e as Error).message);
  }
}

/** `run FILE` and `check LAB FILE`. */
async function run(argv: string[], withLab: boolean): Promise<number> {
  const { values, positionals } = parse(argv, {
    seed: { type: 'string' },
    json: { type: 'boolean', default: false },
    timeout: { type: 'string' },
    // check and grade never reach the kernel: the option does not exist there (a usage error).
    ...(withLab ? LABS_OPTION : { 'allow-kernel': { type: 'boolean', default: false } }),
  });
  const want = withLab ? 2 : 1;
  if (positionals.length !== want)
    usage(withLab ? 'check takes LAB FILE' : positionals.length ? 'run takes one FILE' : 'run needs a FILE');
  if (withLab) useCourseDirs(values);
  const lab = withLab ? labOrUsage(positionals[0]!) : undefined;
  const file = positionals[want - 1]!;
  const seed = parseSeed(values.seed as string | undefined);
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    timeoutMs = Number(values.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 10 || timeoutMs > 3_600_000)
      usage(`--timeout takes milliseconds from 10 to 3600000, not '${String(values.timeout)}'`);
  }
  await readable(file);
  const json = values.json as boolean;
  let output = '';
  const done = await runFile(
    {
      file,
      seed,
      ...(lab ? { lab } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      allowKernel: values['allow-kernel'] === true,
    },
    (event) => {
      if (event.type === 'output') {
        if (json) output += event.text;
        else (event.stream === 'stderr' ? process.stderr : process.stdout).write(event.text);
      } else if (event.type === 'queued' && !json) {
        process.stderr.write(`${event.message}\n`);
      } else if (event.type === 'progress' && !json && process.stderr.isTTY) {
        process.stderr.write(
          `\r${event.fraction !== undefined ? `${Math.round(event.fraction * 100)}% ` : ''}${event.message}\x1b[K\r`,
        );
      }
    },
  );
  // A student sees each criterion's verdict, hint and detail; the checker's own errors are the instructor's.
  const checks = done.checks?.map(({ internal: _internal, ...c }) => c);
  if (json) {
    const error = done.error && lab ? { ...done.error, stack: undefined } : done.error;
    process.stdout.write(
      JSON.stringify({
        output,
        result: done.result ?? null,
        error: error ?? null,
        stats: done.stats,
        ...(lab ? { checks: checks ?? [], params: labParams(lab.params, seed) } : {}),
      }) + '\n',
    );
  } else {
    if (done.error) process.stderr.write(formatError(done.error, !!lab) + '\n');
    // A seeded lab: the student's own variant, as the script saw it in lab.params.
    if (lab?.params)
      console.log(
        `your variant (seed ${seed}): ${Object.entries(labParams(lab.params, seed))
          .map(([k, v]) => `${k} = ${v}`)
          .join(', ')}`,
      );
    if (lab) printChecks(checks);
  }
  if (lab) return done.checks?.length && done.checks.every((c) => c.pass) ? 0 : 1;
  return done.ok ? 0 : 1;
}

/** `grade LAB FOLDER`: every submission in parallel (a worker thread each), with CSV, JSON and JUnit reports. */
async function grade(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    out: { type: 'string' },
    jobs: { type: 'string' },
    seed: { type: 'string' },
    roster: { type: 'string' },
    ...LABS_OPTION,
  });
  if (positionals.length !== 2) usage('grade takes LAB FOLDER');
  useCourseDirs(values);
  const [labRef, folder] = positionals as [string, string];
  const lab = labOrUsage(labRef);
  let entries: string[];
  try {
    // A lab with a C part takes .c files too (its driver runs them: src-main/labs/c-submission.ts).
    entries = (await readdir(folder)).filter((f) => /\.(js|ts)$/.test(f) || (!!lab.c && /\.c$/.test(f))).sort();
  } catch (e) {
    usage(`cannot read ${folder}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const jobs = values.jobs === undefined ? Math.max(1, availableParallelism()) : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) usage(`--jobs takes 1 to 64, not '${String(values.jobs)}'`);
  if (values.seed !== undefined && values.roster !== undefined) usage('--seed and --roster: give one');
  const fixedSeed = values.seed === undefined ? undefined : parseSeed(values.seed as string);
  let roster = new Map<string, number>();
  if (values.roster !== undefined) {
    try {
      roster = parseRoster(await readFile(values.roster as string, 'utf8'));
    } catch (e) {
      usage(`--roster ${String(values.roster)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const seedOf = (file: string): number =>
    fixedSeed ?? roster.get(file.replace(/\.(js|ts)$|(\.bpf)?\.c$/, '')) ?? seedFromName(file);
  // The reports' folder is made (or refused) before any grading: a file there would lose every result at the end.
  const out = (values.out as string | undefined) ?? folder;
  try {
    await mkdir(out, { recursive: true });
    if (!(await stat(out)).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
  } catch (e) {
    usage(
      `--out takes a folder for grades.csv, grades.json and grades.xml; ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const grades: Grade[] = new Array(entries.length);
  const bar = progressBar(`grading ${lab.id}`, entries.length);
  bar.tick(0);
  let next = 0;
  let finished = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const i = next++;
      const name = entries[i]!;
      const seed = seedOf(name);
      const params = labParams(lab.params, seed);
      const t = performance.now();
      let g: Grade;
      try {
        const done = await runFile({ file: path.join(folder, name), lab, seed }, () => {});
        const checks = done.checks ?? [];
        g = {
          file: name,
          seed,
          params,
          graded: true,
          passed: checks.filter((c) => c.pass).length,
          total: checks.length,
          ok: checks.length > 0 && checks.every((c) => c.pass),
          error: done.error ? formatError(done.error, true) : '',
          checks,
          durationMs: Math.round(performance.now() - t),
        };
      } catch (e) {
        g = {
          file: name,
          seed,
          params,
          graded: false,
          passed: 0,
          total: 0,
          ok: false,
          error: `could not be run: ${(e as Error).message}`,
          checks: [],
          durationMs: Math.round(performance.now() - t),
        };
      }
      grades[i] = g;
      finished++;
      if (!process.stderr.isTTY)
        console.error(
          `[${finished}/${entries.length}] ${g.file}: ${g.passed}/${g.total}${g.error ? ` (${g.error.split('\n')[0]})` : ''}`,
        );
      bar.tick(finished);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, entries.length) }, worker));
  bar.done();
  const report = gradesJson(lab.id, grades);
  try {
    await writeFile(path.join(out, 'grades.csv'), gradesCsv(grades));
    await writeFile(path.join(out, 'grades.json'), report);
    await writeFile(path.join(out, 'grades.xml'), gradesJunit(lab.id, grades));
  } catch (e) {
    // The folder went away or filled up while grading: the results go to stdout rather than nowhere.
    console.error(
      `lab: cannot write the reports in ${out} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); grades.json follows on stdout`,
    );
    process.stdout.write(report);
    return 1;
  }
  process.stdout.write(summaryTable(grades));
  const notGraded = grades.filter((g) => !g.graded).length;
  console.log(
    `graded ${grades.length - notGraded} of ${grades.length} submissions of ${lab.id}: ${grades.filter((g) => g.ok).length} pass every criterion; reports in ${path.join(out, 'grades.csv')}, grades.json and grades.xml`,
  );
  return notGraded ? 1 : 0;
}

/** `list`: every lab, with where it comes from; course folders' broken labs are listed with why. */
function list(argv: string[]): number {
  const { values, positionals } = parse(argv, { ...LABS_OPTION });
  if (positionals.length) usage('list takes no arguments');
  useCourseDirs(values);
  const { labs, problems } = scanLabs();
  for (const l of labs)
    console.log(
      `${l.id}  [${l.engine}, level ${l.level}${l.params ? ', seeded' : ''}]  (${l.source})  ${l.title}: ${l.summary}`,
    );
  for (const p of problems) console.error(`lab: skipped ${p.message}`);
  return 0;
}

/** `new NAME [--from LAB]`: a working lab folder. */
async function newLab(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { from: { type: 'string' }, ...LABS_OPTION });
  if (positionals.length !== 1) usage('new takes NAME (NN-slug, such as 10-my-lab), or a path ending in one');
  useCourseDirs(values);
  const target = positionals[0]!;
  const parent =
    path.dirname(target) === '.'
      ? (((values.labs as unknown as string[] | undefined) ?? [])[0] ?? '.')
      : path.dirname(target);
  const from = values.from === undefined ? undefined : labOrUsage(values.from as string);
  try {
    const dir = await scaffoldLab(path.join(parent, path.basename(target)), from);
    console.log(
      `made ${dir}: README.md, lab.json, starter.js, solution.js, check.js\nnext: npm run lab -- validate ${dir}`,
    );
    return 0;
  } catch (e) {
    usage((e as Error).message);
  }
}

/** `validate LAB`: what a lab folder needs before students get it. */
async function validate(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...LABS_OPTION });
  if (positionals.length !== 1) usage('validate takes LAB');
  useCourseDirs(values);
  const ref = positionals[0]!;
  let dir: string;
  try {
    dir = resolveLab(ref).dir;
  } catch (e) {
    // A folder whose lab.json is broken is still validated: that is the first thing it reports.
    if (existsSync(ref.replace(/[\\/]+$/, ''))) dir = ref.replace(/[\\/]+$/, '');
    else usage((e as Error).message);
  }
  const tty = process.stderr.isTTY === true;
  const report = await validateLab(dir, {
    onProgress: (what) => tty && process.stderr.write(`\rrunning ${what}\x1b[K`),
  });
  if (tty) process.stderr.write('\r\x1b[K');
  for (const r of report.runs)
    console.log(`  ${r.what} seed ${r.seed}: ${r.passed}/${r.total}${r.error ? ` (${r.error.split('\n')[0]})` : ''}`);
  for (const p of report.warnings) console.log(`! ${p.file}: ${p.message}`);
  for (const p of report.problems) console.log(`✗ ${p.file}: ${p.message}`);
  console.log(
    report.problems.length
      ? `${dir}: ${report.problems.length} problem(s)`
      : `✓ ${dir}: valid (the solution passes and the starter fails on seeds 1, 2, 3; no feedback gives an answer away)`,
  );
  return report.problems.length ? 1 : 0;
}

async function main(): Promise<void> {
  // `lab list | head`: a closed pipe ends the listing, not with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const [cmd, ...rest] = process.argv.slice(2);
  switch (cmd) {
    case 'run':
      process.exitCode = await run(rest, false);
      break;
    case 'check':
      process.exitCode = await run(rest, true);
      break;
    case 'grade':
      process.exitCode = await grade(rest);
      break;
    case 'list':
      process.exitCode = list(rest);
      break;
    case 'new':
      process.exitCode = await newLab(rest);
      break;
    case 'validate':
      process.exitCode = await validate(rest);
      break;
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE);
      process.exitCode = cmd ? 0 : 2;
      break;
    default:
      usage(`unknown command '${cmd}'`);
  }
}

await main();

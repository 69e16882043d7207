/**
 * The lab's command line: `npm run lab -- run FILE [--seed N] [--json] [--timeout MS]` runs a script headless
 * through the same session code and limits as the app. Exit status: 0 success, 1 the script threw (or hit a
 * limit), 2 bad usage.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS, KERNEL_OFF, type CriterionResult, type RunError, type RunEvent } from '../src-main/contract';
import { gradesCsv } from '../src-main/labs/grades-csv';
import { listLabs } from '../src-main/labs/labs';
import { startRun, type DoneEvent } from '../src-main/session/session';

const USAGE = `usage: npm run lab -- run FILE [--seed N] [--json] [--timeout MS] [--allow-kernel]
       npm run lab -- check LAB FILE [--seed N] [--json]
       npm run lab -- grade LAB FOLDER [--out DIR] [--jobs N]
       npm run lab -- list

  run FILE         run a script (.js or .ts) headless and print its output
  check LAB FILE   run FILE as a submission of lab LAB (e.g. 01-secretmem-split) and check it;
                   exit 0 when every criterion passes, 1 otherwise
  grade LAB DIR    check every .js/.ts file of DIR in parallel; writes grades.csv and grades.json
                   (in --out DIR, default DIR itself); one bad submission never stops the rest
  list             list the labs
  --seed N         seed of every PRNG of the run (default 1)
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

function formatError(e: RunError): string {
  const where = e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : '';
  const head = e.kind === 'limit' || e.kind === 'stopped' ? e.message : `${where}${e.name}: ${e.message}${e.errno ? ` [${e.errno}]` : ''}`;
  return e.stack && e.kind !== 'syntax' ? `${head}\n${e.stack.replace(/^/gm, '    ')}` : head;
}

interface Submission {
  file: string;
  lab?: string;
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
      ...(sub.lab ? { lab: sub.lab } : {}),
    },
    onEvent,
    { kernel: () => (sub.allowKernel ? { allowed: true } : { allowed: false, why: KERNEL_OFF.cli }) },
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
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) usage(`--seed takes a whole number from 0 to 4294967295, not '${v}'`);
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
    console.log(`${c.pass ? '✓' : '✗'} ${c.name}${c.pass ? '' : `\n    hint: ${c.hint ?? ''}`}${c.detail && !c.pass ? `\n    ${c.detail}` : ''}`);
  }
}

/** `run FILE` and `check LAB FILE`. */
async function run(argv: string[], withLab: boolean): Promise<number> {
  const { values, positionals } = parse(argv, {
    seed: { type: 'string' },
    json: { type: 'boolean', default: false },
    timeout: { type: 'string' },
    // check and grade never reach the kernel: the option does not exist there (a usage error).
    ...(withLab ? {} : { 'allow-kernel': { type: 'boolean', default: false } }),
  });
  const want = withLab ? 2 : 1;
  if (positionals.length !== want) usage(withLab ? 'check takes LAB FILE' : positionals.length ? 'run takes one FILE' : 'run needs a FILE');
  const lab = withLab ? positionals[0]! : undefined;
  const file = positionals[want - 1]!;
  if (lab) {
    const labs = await listLabs();
    if (!labs.some((l) => l.id === lab)) usage(`no lab '${lab}' (labs: ${labs.map((l) => l.id).join(', ')})`);
  }
  const seed = parseSeed(values.seed as string | undefined);
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    timeoutMs = Number(values.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 10 || timeoutMs > 3_600_000) usage(`--timeout takes milliseconds from 10 to 3600000, not '${String(values.timeout)}'`);
  }
  await readable(file);
  const json = values.json as boolean;
  let output = '';
  const done = await runFile({ file, seed, ...(lab ? { lab } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}), allowKernel: values['allow-kernel'] === true }, (event) => {
    if (event.type === 'output') {
      if (json) output += event.text;
      else (event.stream === 'stderr' ? process.stderr : process.stdout).write(event.text);
    } else if (event.type === 'queued' && !json) {
      process.stderr.write(`${event.message}\n`);
    } else if (event.type === 'progress' && !json && process.stderr.isTTY) {
      process.stderr.write(`\r${event.fraction !== undefined ? `${Math.round(event.fraction * 100)}% ` : ''}${event.message}\x1b[K\r`);
    }
  });
  if (json) {
    process.stdout.write(
      JSON.stringify({ output, result: done.result ?? null, error: done.error ?? null, stats: done.stats, ...(lab ? { checks: done.checks ?? [] } : {}) }) + '\n',
    );
  } else {
    if (done.error) process.stderr.write(formatError(done.error) + '\n');
    if (lab) printChecks(done.checks);
  }
  if (lab) return done.checks?.length && done.checks.every((c) => c.pass) ? 0 : 1;
  return done.ok ? 0 : 1;
}

interface Grade {
  file: string;
  passed: number;
  total: number;
  ok: boolean;
  error: string;
  checks: CriterionResult[];
  durationMs: number;
}

/** `grade LAB FOLDER`: every submission in parallel (a worker thread each), a CSV and a JSON report. */
async function grade(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { out: { type: 'string' }, jobs: { type: 'string' }, seed: { type: 'string' } });
  if (positionals.length !== 2) usage('grade takes LAB FOLDER');
  const [lab, folder] = positionals as [string, string];
  const labs = await listLabs();
  if (!labs.some((l) => l.id === lab)) usage(`no lab '${lab}' (labs: ${labs.map((l) => l.id).join(', ')})`);
  let entries: string[];
  try {
    entries = (await readdir(folder)).filter((f) => /\.(js|ts)$/.test(f)).sort();
  } catch (e) {
    usage(`cannot read ${folder}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const jobs = values.jobs === undefined ? Math.max(1, availableParallelism()) : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) usage(`--jobs takes 1 to 64, not '${String(values.jobs)}'`);
  const seed = parseSeed(values.seed as string | undefined);
  // The reports' folder is made (or refused) before any grading: a file there would lose every result at the end.
  const out = (values.out as string | undefined) ?? folder;
  try {
    await mkdir(out, { recursive: true });
    if (!(await stat(out)).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
  } catch (e) {
    usage(`--out takes a folder for grades.csv and grades.json; ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const grades: Grade[] = new Array(entries.length);
  let next = 0;
  let finished = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const i = next++;
      const file = path.join(folder, entries[i]!);
      const t = performance.now();
      let g: Grade;
      try {
        const done = await runFile({ file, lab, seed }, () => {});
        const checks = done.checks ?? [];
        g = {
          file: entries[i]!,
          passed: checks.filter((c) => c.pass).length,
          total: checks.length,
          ok: checks.length > 0 && checks.every((c) => c.pass),
          error: done.error ? `${done.error.name}: ${done.error.message}` : '',
          checks,
          durationMs: Math.round(performance.now() - t),
        };
      } catch (e) {
        g = { file: entries[i]!, passed: 0, total: 0, ok: false, error: `could not be run: ${(e as Error).message}`, checks: [], durationMs: Math.round(performance.now() - t) };
      }
      grades[i] = g;
      finished++;
      console.error(`[${finished}/${entries.length}] ${g.file}: ${g.passed}/${g.total}${g.error ? ` (${g.error})` : ''}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, entries.length) }, worker));
  const report = JSON.stringify({ lab, seed, graded: grades.length, submissions: grades }, null, 2) + '\n';
  try {
    await writeFile(path.join(out, 'grades.csv'), gradesCsv(grades));
    await writeFile(path.join(out, 'grades.json'), report);
  } catch (e) {
    // The folder went away or filled up while grading: the results go to stdout rather than nowhere.
    console.error(`lab: cannot write the reports in ${out} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); grades.json follows on stdout`);
    process.stdout.write(report);
    return 1;
  }
  console.log(`graded ${grades.length} submissions of ${lab}: ${grades.filter((g) => g.ok).length} pass every criterion; reports in ${path.join(out, 'grades.csv')} and grades.json`);
  return 0;
}

async function main(): Promise<void> {
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
      for (const l of await listLabs()) console.log(`${l.id}  [${l.engine}, level ${l.level}]  ${l.title}: ${l.summary}`);
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

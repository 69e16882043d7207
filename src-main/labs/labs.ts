/**
 * Lab exercises on disk: listing, opening, and checking a run against a lab's criteria. Checks run on the main
 * side (in the session's worker), with the run's real machines in hand, never inside the script's sandbox: a
 * script cannot reach, patch or fool them by printing what they look for.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { boot } from '../engines/kernel';
import type { Kernel } from '../engines/kernel';
import { LabIdSchema, type CriterionResult } from '../contract';
import type { CheckContext, Criterion, LabMeta } from './types';
import { labParams, ParamSpecSchema, type LabParams } from './params';

const C_FILE = /^[\w.-]+\.c$/;
const LAB_ID = { test: (id: string): boolean => LabIdSchema.safeParse(id).success };

/** lab.json's schema; `lab validate` and every loader report each field that does not match it. */
export const LabMetaSchema = z
  .object({
    title: z.string().min(1),
    engine: z.enum(['mm', 'bpf', 'ublk']),
    level: z.union([z.literal(1), z.literal(2), z.literal(3)], { message: '1, 2 or 3' }),
    summary: z.string().min(1),
    limits: z
      .object({ timeoutMs: z.number().int().positive(), memoryBytes: z.number().int().positive(), outputBytes: z.number().int().positive() })
      .partial()
      .strict()
      .optional(),
    starter: z.string().regex(/^[\w.-]+\.(js|ts)$/, 'a file name ending in .js or .ts').optional(),
    params: z.record(z.string().regex(/^[A-Za-z_]\w*$/, 'a parameter name'), ParamSpecSchema).optional(),
    /** The lab takes a C submission too (c-submission.ts): its C starter and solution, and the script that runs them. */
    c: z
      .object({
        starter: z.string().regex(C_FILE, 'a file name ending in .c'),
        solution: z.string().regex(C_FILE, 'a file name ending in .c'),
        driver: z.string().regex(/^[\w.-]+\.js$/, 'a file name ending in .js'),
      })
      .strict()
      .optional(),
  })
  .strict();

/** A lab folder that cannot be used, and why (the file and field). */
export class LabError extends Error {
  constructor(
    readonly dir: string,
    message: string,
  ) {
    super(message);
    this.name = 'LabError';
  }
}

/** The built-in labs: labs/ of the checkout or installed app this code runs from. */
export function labsDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'labs')) && existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'labs');
    dir = path.dirname(dir);
  }
  throw new Error('the built-in labs folder was not found');
}

let courseDirsSet: string[] = [];
let settingsDirsSet: string[] = [];

/** Course folders the host was started with (the CLI's and the browser host's --labs), beside $KERNEL_LAB_LABS. */
export function setCourseDirs(dirs: readonly string[]): void {
  courseDirsSet = dirs.map((d) => path.resolve(d));
}

/** Course folders added in the app's setting (course-folders.ts keeps them in settings.json). */
export function setSettingsCourseDirs(dirs: readonly string[]): void {
  settingsDirsSet = dirs.map((d) => path.resolve(d));
}

/** Every course folder: $KERNEL_LAB_LABS (a list, separated like PATH), the host's --labs, then the app's setting. */
export function courseDirs(): string[] {
  const env = (process.env.KERNEL_LAB_LABS ?? '').split(path.delimiter).filter(Boolean).map((d) => path.resolve(d));
  return [...new Set([...env, ...courseDirsSet, ...settingsDirsSet])].filter((d) => d !== labsDir());
}

export interface LabInfo extends LabMeta {
  id: string;
  /** 'built-in', or the course folder the lab comes from. */
  source: string;
  /** The lab's folder. */
  dir: string;
}

/** lab.json of a lab folder, checked against its schema: a LabError naming lab.json and every bad field. */
export function readLabAt(dir: string, source = 'path'): LabInfo {
  const id = path.basename(path.resolve(dir));
  if (!LAB_ID.test(id)) throw new LabError(dir, `${dir}: a lab folder's name is its id, NN-slug such as 10-my-lab, not '${id}'`);
  const file = path.join(dir, 'lab.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new LabError(dir, `${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new LabError(dir, `${file}: not JSON: ${(e as Error).message}`);
  }
  const parsed = LabMetaSchema.safeParse(raw);
  if (!parsed.success) throw new LabError(dir, `${file}:\n${formatIssues(parsed.error.issues)}`);
  return { id, source, dir: path.resolve(dir), ...parsed.data };
}

/** One line per field of a zod error: `  field.path: message`. */
export function formatIssues(issues: readonly z.ZodIssue[]): string {
  return issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`).join('\n');
}

export interface LabScan {
  labs: LabInfo[];
  /** Lab folders that could not be read, with why; they never hide the others. */
  problems: { dir: string; message: string }[];
}

/** Every lab: the built-in ones, then each course folder's; a course lab whose id is taken is a problem. */
export function scanLabs(): LabScan {
  const labs: LabInfo[] = [];
  const problems: LabScan['problems'] = [];
  const folders: [string, string][] = [[labsDir(), 'built-in'], ...courseDirs().map((d): [string, string] => [d, d])];
  for (const [root, source] of folders) {
    let names: string[];
    try {
      names = readdirSync(root, { withFileTypes: true })
        .filter((d) => d.isDirectory() && LAB_ID.test(d.name))
        .map((d) => d.name)
        .sort();
    } catch (e) {
      problems.push({ dir: root, message: `${root}: the course folder cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
      continue;
    }
    for (const name of names) {
      const dir = path.join(root, name);
      const taken = labs.find((l) => l.id === name);
      if (taken) {
        problems.push({ dir, message: `${dir}: lab id '${name}' is already taken by ${taken.dir}; rename the folder` });
        continue;
      }
      try {
        labs.push(readLabAt(dir, source));
      } catch (e) {
        problems.push({ dir, message: (e as Error).message });
      }
    }
  }
  return { labs, problems };
}

export async function listLabs(): Promise<LabInfo[]> {
  return scanLabs().labs;
}

/** The lab with this id, built-in or from a course folder. */
export function labById(id: string): LabInfo {
  if (!LAB_ID.test(id)) throw new Error(`'${id}' is not a lab id (NN-slug)`);
  const { labs, problems } = scanLabs();
  const lab = labs.find((l) => l.id === id);
  if (lab) return lab;
  const broken = problems.find((p) => path.basename(p.dir) === id);
  throw new Error(broken ? broken.message : `no lab '${id}'`);
}

/**
 * What a person types for a lab: a path to a lab folder (with or without a trailing slash), an id, or a unique
 * prefix of one (`01`). Ambiguous and unknown ones get an error listing the candidates.
 */
export function resolveLab(ref: string): LabInfo {
  const trimmed = ref.replace(/[\\/]+$/, '');
  const looksLikePath = /[\\/]/.test(ref) || ref.startsWith('.');
  if (looksLikePath || (existsSync(path.join(trimmed, 'lab.json')) && !LAB_ID.test(trimmed))) {
    if (!existsSync(trimmed)) throw new Error(`no lab folder ${ref}`);
    return readLabAt(trimmed);
  }
  const { labs, problems } = scanLabs();
  const exact = labs.find((l) => l.id === trimmed);
  if (exact) return exact;
  const candidates = labs.filter((l) => l.id.startsWith(trimmed));
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length > 1) throw new Error(`'${ref}' is ambiguous: it could be ${candidates.map((l) => `${l.id} (${l.source})`).join(', ')}`);
  const broken = problems.find((p) => path.basename(p.dir).startsWith(trimmed));
  if (broken) throw new Error(broken.message);
  throw new Error(`no lab '${ref}' (labs: ${labs.map((l) => l.id).join(', ')})`);
}

export async function readLabMeta(id: string): Promise<LabInfo> {
  return labById(id);
}

/** lab.json read synchronously (the session needs a lab's limits before it starts a run). */
export function readLabMetaSync(id: string): LabInfo {
  return labById(id);
}

/** A lab's task and starting script. */
export async function openLab(id: string): Promise<OpenedLab> {
  return openLabAt(labById(id));
}

/** A lab's task, its starting script and, for a lab that takes C, its C starter. */
export interface OpenedLab {
  lab: LabInfo;
  readme: string;
  starter: string;
  starterName: string;
  cStarter?: string;
}

export async function openLabAt(lab: LabInfo): Promise<OpenedLab> {
  const starterName = lab.starter ?? 'starter.js';
  const read = async (name: string): Promise<string> => {
    try {
      return await readFile(path.join(lab.dir, name), 'utf8');
    } catch (e) {
      throw new LabError(lab.dir, `${path.join(lab.dir, name)}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  };
  return {
    lab,
    readme: await read('README.md'),
    starter: await read(starterName),
    starterName,
    ...(lab.c ? { cStarter: await read(lab.c.starter) } : {}),
  };
}

/** Reads a lab's reference solution (tests and instructors). */
export async function labSolution(ref: string | LabInfo): Promise<{ code: string; name: string }> {
  const lab = typeof ref === 'string' ? labById(ref) : ref;
  for (const name of ['solution.js', 'solution.ts']) {
    const p = path.join(lab.dir, name);
    if (existsSync(p)) return { code: await readFile(p, 'utf8'), name };
  }
  throw new LabError(lab.dir, `${path.join(lab.dir, 'solution.js')}: lab ${lab.id} has no solution (solution.js or solution.ts)`);
}

async function loadCriteria(dir: string): Promise<Criterion[]> {
  const file = path.join(dir, 'check.js');
  if (!existsSync(file)) throw new LabError(dir, `${file}: the lab has no checker`);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (e) {
    const esm = /ES Module|require\(\)|Unexpected token 'export'|Cannot use import statement/.test((e as Error).message);
    throw new LabError(dir, `${file}: cannot be loaded: ${(e as Error).message}${esm ? ' (check.js is an ES module: put {"type": "module"} in a package.json beside it)' : ''}`);
  }
  const criteria = mod.default;
  if (!Array.isArray(criteria)) throw new LabError(dir, `${file}: must export default an array of { name, hint, check(ctx) }`);
  criteria.forEach((c: unknown, i) => {
    const cr = c as Partial<Criterion> | null;
    if (!cr || typeof cr.name !== 'string' || typeof cr.check !== 'function' || typeof cr.hint !== 'string') {
      throw new LabError(dir, `${file}: criterion ${i} must be { name: string, hint: string, check(ctx) }`);
    }
  });
  return criteria as Criterion[];
}

/** What a check needs of a finished run. */
export interface RunForCheck {
  result: unknown;
  output: string;
  error?: { name: string; message: string; errno?: string };
  kernels: Kernel[];
  /** The run's seed and the lab's parameters drawn from it (seeded variants). */
  seed?: number;
  params?: LabParams;
}

/**
 * Evaluates every criterion of a lab (an id, or a lab already resolved) against a finished run. A criterion that
 * throws fails; the student sees that the check needs something the run did not leave, and the checker's own
 * error goes to `internal` (the instructor's reports), never to the student.
 */
export async function checkRun(ref: string | LabInfo, run: RunForCheck): Promise<CriterionResult[]> {
  const lab = typeof ref === 'string' ? labById(ref) : ref;
  const criteria = await loadCriteria(lab.dir);
  const seed = run.seed ?? 1;
  const ctx: CheckContext = {
    result: run.result,
    output: run.output,
    error: run.error,
    kernels: run.kernels,
    k: run.kernels[0],
    seed,
    params: run.params ?? labParams(lab.params, seed),
    boot: (options = {}) => boot(options, { seed: 1, log: () => {} }),
  };
  return criteria.map((c) => {
    try {
      const r = c.check(ctx);
      const pass = typeof r === 'boolean' ? r : !!r?.pass;
      const detail = typeof r === 'object' && r?.detail ? r.detail : undefined;
      return { name: c.name, pass, ...(pass ? {} : { hint: c.hint }), ...(detail ? { detail } : {}) };
    } catch (e) {
      const why = run.error
        ? `your script stopped before it left what this criterion looks at (${run.error.name}: ${run.error.message})`
        : ctx.k
          ? 'your run did not leave what this criterion looks at (see the hint)'
          : 'this criterion looks at the machine your script boots, and the script booted none';
      return { name: c.name, pass: false, hint: c.hint, detail: why, internal: `check.js threw: ${(e as Error)?.stack ?? String(e)}` };
    }
  });
}

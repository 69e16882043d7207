/**
 * Lab exercises on disk: listing, opening, and checking a run against a lab's criteria. Checks run on the main
 * side (in the session's worker), with the run's real machines in hand, never inside the script's sandbox: a
 * script cannot reach, patch or fool them by printing what they look for.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { boot } from '../engines/kernel';
import type { Kernel } from '../engines/kernel';
import { LabIdSchema, type CriterionResult } from '../contract';
import type { CheckContext, Criterion, LabMeta } from './types';

const LAB_ID = { test: (id: string): boolean => LabIdSchema.safeParse(id).success };

const LabMetaSchema = z
  .object({
    title: z.string().min(1),
    engine: z.enum(['mm', 'bpf', 'ublk']),
    level: z.union([z.literal(1), z.literal(2), z.literal(3)]),
    summary: z.string().min(1),
    limits: z
      .object({ timeoutMs: z.number().int().positive(), memoryBytes: z.number().int().positive(), outputBytes: z.number().int().positive() })
      .partial()
      .strict()
      .optional(),
    starter: z.string().regex(/^[\w.-]+\.(js|ts)$/).optional(),
  })
  .strict();

/** The labs folder: $KERNEL_LAB_LABS, or labs/ of the checkout or installed app this code runs from. */
export function labsDir(): string {
  if (process.env.KERNEL_LAB_LABS) return path.resolve(process.env.KERNEL_LAB_LABS);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'labs')) && existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'labs');
    dir = path.dirname(dir);
  }
  throw new Error('the labs folder was not found (set KERNEL_LAB_LABS)');
}

export interface LabInfo extends LabMeta {
  id: string;
}

function labPath(id: string, ...rest: string[]): string {
  if (!LAB_ID.test(id)) throw new Error(`'${id}' is not a lab id (NN-slug)`);
  const dir = path.join(labsDir(), id);
  if (!existsSync(dir)) throw new Error(`no lab '${id}'`);
  return path.join(dir, ...rest);
}

export async function readLabMeta(id: string): Promise<LabInfo> {
  return parseLabMeta(id, await readFile(labPath(id, 'lab.json'), 'utf8'));
}

/** lab.json read synchronously (the session needs a lab's limits before it starts a run). */
export function readLabMetaSync(id: string): LabInfo {
  return parseLabMeta(id, readFileSync(labPath(id, 'lab.json'), 'utf8'));
}

function parseLabMeta(id: string, text: string): LabInfo {
  const raw = JSON.parse(text) as unknown;
  const parsed = LabMetaSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`lab ${id}: lab.json: ${parsed.error.issues[0]?.message} at ${parsed.error.issues[0]?.path.join('.')}`);
  return { id, ...parsed.data };
}

export async function listLabs(): Promise<LabInfo[]> {
  const ids = (await readdir(labsDir(), { withFileTypes: true })).filter((d) => d.isDirectory() && LAB_ID.test(d.name)).map((d) => d.name).sort();
  return Promise.all(ids.map(readLabMeta));
}

/** A lab's task and starting script. */
export async function openLab(id: string): Promise<{ lab: LabInfo; readme: string; starter: string; starterName: string }> {
  const lab = await readLabMeta(id);
  const starterName = lab.starter ?? 'starter.js';
  return { lab, readme: await readFile(labPath(id, 'README.md'), 'utf8'), starter: await readFile(labPath(id, starterName), 'utf8'), starterName };
}

/** Reads a lab's reference solution (tests and instructors). */
export async function labSolution(id: string): Promise<{ code: string; name: string }> {
  for (const name of ['solution.js', 'solution.ts']) {
    const p = labPath(id, name);
    if (existsSync(p)) return { code: await readFile(p, 'utf8'), name };
  }
  throw new Error(`lab ${id} has no solution`);
}

async function loadCriteria(id: string): Promise<Criterion[]> {
  const mod = (await import(pathToFileURL(labPath(id, 'check.js')).href)) as { default?: unknown };
  const criteria = mod.default;
  if (!Array.isArray(criteria) || criteria.some((c) => !c || typeof (c as Criterion).check !== 'function' || typeof (c as Criterion).name !== 'string')) {
    throw new Error(`lab ${id}: check.js must export default an array of { name, hint, check(ctx) }`);
  }
  return criteria as Criterion[];
}

/** Evaluates every criterion of a lab against a finished run; a criterion that throws fails with its error. */
export async function checkRun(
  id: string,
  run: { result: unknown; output: string; error?: { name: string; message: string; errno?: string }; kernels: Kernel[] },
): Promise<CriterionResult[]> {
  const criteria = await loadCriteria(id);
  const ctx: CheckContext = {
    result: run.result,
    output: run.output,
    error: run.error,
    kernels: run.kernels,
    k: run.kernels[0],
    boot: (options = {}) => boot(options, { seed: 1, log: () => {} }),
  };
  return criteria.map((c) => {
    try {
      const r = c.check(ctx);
      const pass = typeof r === 'boolean' ? r : !!r?.pass;
      const detail = typeof r === 'object' && r?.detail ? r.detail : undefined;
      return { name: c.name, pass, ...(pass ? {} : { hint: c.hint }), ...(detail ? { detail } : {}) };
    } catch (e) {
      return { name: c.name, pass: false, hint: c.hint, detail: `the check could not be made: ${(e as Error).message}` };
    }
  });
}

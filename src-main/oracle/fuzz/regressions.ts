/**
 * Regression cases of the kernel differential: minimised programs with the running kernel's answer recorded
 * (verdict, errno, first error line, and r0 for a retval case), one JSON file each under ./regressions/.
 * ./regressions/pending.json lists the cases the model still answers differently (a verifier bug filed, not yet
 * fixed): the replay test reports them without failing, and asserts every other case.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FuzzMap, FuzzProgram, FuzzProgType } from './generator';
import type { Comparison, KernelAnswer } from './runner';
import { compare, modelAnswer } from './runner';

/** One case file. */
export interface RegressionCase {
  /** The disagreement class when it was found. */
  class: string;
  prog_type: FuzzProgType;
  maps: FuzzMap[];
  /** The program's bytes, hex (kfunc imms are the model's BTF ids; the oracle maps them by name). */
  hex: string;
  /** The test run's context, hex (retval cases). */
  ctx?: string;
  /** The running kernel's answer. */
  kernel: { ok: boolean; errno: string; first_line?: string; retval?: string };
  /** The model's answer when the case was written. */
  model_when_found: { ok: boolean; errno: string; first_line?: string; interp?: string; jit?: string; crash?: string };
  /** Where it came from: the fuzz command, seed and program index, and the kernel release. */
  found: string;
}

/** The folder of the cases. */
export function regressionDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), 'regressions');
}

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytesOf = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

/** The program of a case. */
export function caseProgram(c: RegressionCase): FuzzProgram {
  const p: FuzzProgram = { bytes: bytesOf(c.hex), prog_type: c.prog_type, maps: c.maps, features: [] };
  if (c.ctx !== undefined) p.ctx = bytesOf(c.ctx);
  return p;
}

/** The recorded kernel answer as the runner's KernelAnswer. */
export function recordedKernel(c: RegressionCase): KernelAnswer {
  const k: KernelAnswer = { ok: c.kernel.ok, errno: c.kernel.errno };
  if (c.kernel.first_line !== undefined) k.first = c.kernel.first_line;
  if (c.kernel.retval !== undefined) k.retval = BigInt(c.kernel.retval);
  return k;
}

/** The model's answer compared with the recorded kernel answer (no kernel needed). */
export function replayCase(c: RegressionCase): Comparison {
  return compare(recordedKernel(c), modelAnswer(caseProgram(c)));
}

/** A case from a program and its comparison. */
export function makeCase(p: FuzzProgram, cmp: Comparison, found: string): RegressionCase {
  const k = cmp.kernel;
  const m = cmp.model;
  const c: RegressionCase = {
    class: cmp.cls ?? '',
    prog_type: p.prog_type,
    maps: p.maps,
    hex: hexOf(p.bytes),
    kernel: { ok: k.ok, errno: k.errno },
    model_when_found: { ok: m.ok, errno: m.errno },
    found,
  };
  if (cmp.kind === 'retval' && p.ctx) c.ctx = hexOf(p.ctx);
  if (k.first !== undefined) c.kernel.first_line = k.first;
  if (cmp.kind === 'retval' && k.retval !== undefined) c.kernel.retval = `0x${k.retval.toString(16)}`;
  if (m.first !== undefined) c.model_when_found.first_line = m.first;
  if (m.interp !== undefined) c.model_when_found.interp = `0x${m.interp.toString(16)}`;
  if (m.jit !== undefined) c.model_when_found.jit = `0x${m.jit.toString(16)}`;
  if (m.crash !== undefined) c.model_when_found.crash = m.crash;
  return c;
}

/** The case's file name: its kind and a hash of its class (one case per class). */
export function caseFileName(c: RegressionCase): string {
  return classFileName(c.class);
}

/** The file name of a class's case. */
export function classFileName(cls: string): string {
  const kind = cls.split(':')[0] || 'case';
  return `${kind}-${createHash('sha256').update(cls).digest('hex').slice(0, 10)}.json`;
}

/** Whether a class has a case already. */
export function hasCase(cls: string, dir = regressionDir()): boolean {
  return existsSync(join(dir, classFileName(cls)));
}

/** Every case file, by name. */
export function loadCases(dir = regressionDir()): Map<string, RegressionCase> {
  const out = new Map<string, RegressionCase>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.json') || f === 'pending.json') continue;
    out.set(f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as RegressionCase);
  }
  return out;
}

/** The pending list: case file -> its class. */
export function loadPending(dir = regressionDir()): Record<string, string> {
  const f = join(dir, 'pending.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Record<string, string>) : {};
}

export function savePending(pending: Record<string, string>, dir = regressionDir()): void {
  const sorted = Object.fromEntries(Object.entries(pending).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(join(dir, 'pending.json'), `${JSON.stringify(sorted, null, 2)}\n`);
}

/** Writes a case (unless its class has one already) and lists it as pending; returns its file name or undefined. */
export function writeCase(c: RegressionCase, dir = regressionDir()): string | undefined {
  const name = caseFileName(c);
  if (existsSync(join(dir, name))) return undefined;
  writeFileSync(join(dir, name), `${JSON.stringify(c, null, 2)}\n`);
  return name;
}

/** Re-checks the pending cases against the model: those that now agree leave the list. Returns them. */
export function promote(dir = regressionDir()): string[] {
  const cases = loadCases(dir);
  const pending = loadPending(dir);
  const promoted: string[] = [];
  for (const name of Object.keys(pending)) {
    const c = cases.get(name);
    if (!c) {
      delete pending[name];
      continue;
    }
    if (replayCase(c).kind === undefined) {
      delete pending[name];
      promoted.push(name);
    }
  }
  savePending(pending, dir);
  return promoted;
}

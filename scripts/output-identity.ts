/**
 * The byte-identity check for refactorings, beside scripts/verifier-identity.ts: every example
 * (src-renderer/examples) and every lab's starter and solution (script and C, where the lab has a C part and
 * clang is here) run through the session as the app runs them, on fixed seeds, and what a user sees hashed per
 * run: the output, the charts and tables, the final machine state (/proc text, the memory frames, fio runs, the
 * tag board, the BPF loads and their logs), the result, the error and the lab's verdicts. Run statistics (CPU and
 * wall time) and the throttled machine states sent during a run (their number depends on the host's speed) are
 * left out: each machine's last state counts, with the BPF loads' details from whichever state carried them.
 *
 *   npx tsx scripts/output-identity.ts [--only SUBSTRING] [--out FILE] [--dump DIR]
 *
 * Run it before a change and after: the totals must agree; with --out, the per-run hashes show which run differs,
 * and --dump writes each run's text (a file per run in DIR) to compare.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunEvent } from '../src-main/contract';
import { findClang } from '../src-main/clang/bpf-clang';
import { labsDir, readLabAt } from '../src-main/labs/labs';
import { startRun } from '../src-main/session/session';
import { identityReport, sha } from './identity-report';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const only = arg('--only');
const out = arg('--out');
const dump = arg('--dump');
if (dump) mkdirSync(dump, { recursive: true });
const hashes: Record<string, string> = {};

/** One run, as the app makes it, reduced to what a user sees that does not depend on the host's speed. */
async function seen(code: string, filename: string, seed: number, lab?: string): Promise<string> {
  // Output arrives in chunks flushed on a wall-clock interval: the text of each stream is compared, not the chunks.
  const text = { stdout: '', stderr: '' };
  const parts: string[] = [];
  const machines = new Map<number, string>();
  // A BPF load's detail (disassembly, log, trace) is sent once, in whichever state had the time budget for it
  // (bpf-loads.ts): it is collected from every state, by machine and load.
  const details = new Map<string, string>();
  const handle = startRun(
    {
      code,
      filename,
      language: filename.endsWith('.ts') ? 'typescript' : 'javascript',
      seed,
      limits: { timeoutMs: 300_000 },
      ...(lab ? { lab } : {}),
    },
    (e: RunEvent) => {
      if (e.type === 'output') text[e.stream] += e.text;
      else if (e.type === 'chart') parts.push(`chart: ${JSON.stringify(e.chart)}`);
      else if (e.type === 'table') parts.push(`table: ${JSON.stringify(e.table)}`);
      else if (e.type === 'machine') {
        const st = e.state as { index: number; bpf?: { loads?: { seq: number; detail?: unknown }[] } };
        for (const l of st.bpf?.loads ?? [])
          if (l.detail !== undefined) details.set(`${st.index}/${l.seq}`, JSON.stringify(l.detail));
        machines.set(
          st.index,
          JSON.stringify(st, (k, v: unknown) => (k === 'detail' && typeof v === 'object' ? undefined : v)),
        );
      } else if (e.type === 'kernelAccess') parts.push('kernelAccess');
    },
  );
  const done = await handle.done;
  parts.push(`stdout: ${text.stdout}`, `stderr: ${text.stderr}`);
  for (const [i, m] of [...machines].sort((a, b) => a[0] - b[0])) parts.push(`machine ${i}: ${m}`);
  for (const [k, d] of [...details].sort()) parts.push(`load ${k}: ${d}`);
  parts.push(`done: ${JSON.stringify({ ok: done.ok, result: done.result, error: done.error, checks: done.checks })}`);
  return parts.join('\n');
}

/** Examples whose output is a measurement of this host, not the model's: left out, with the reason printed. */
const HOST_MEASURED: Record<string, string> = {
  'ublk-calibrate.js': "k.ublk.uring_probe() times this machine's io_uring",
};

const runs: { name: string; run: () => Promise<string> }[] = [];
const examples = path.join(root, 'src-renderer', 'examples');
for (const f of readdirSync(examples)
  .filter((x) => /\.(js|ts)$/.test(x))
  .sort()) {
  if (HOST_MEASURED[f]) {
    console.log(`example/${f}: left out (${HOST_MEASURED[f]})`);
    continue;
  }
  const code = readFileSync(path.join(examples, f), 'utf8');
  runs.push({ name: `example/${f}`, run: () => seen(code, f, 1) });
}
const clang = findClang();
for (const d of readdirSync(labsDir()).sort()) {
  let lab;
  try {
    lab = readLabAt(path.join(labsDir(), d));
  } catch {
    continue;
  }
  const files = ['starter.js', 'solution.js', ...(lab.c && clang.ok ? [lab.c.starter, lab.c.solution] : [])];
  for (const f of files)
    for (const seed of [1, 2]) {
      const code = readFileSync(path.join(lab.dir, f), 'utf8');
      runs.push({ name: `lab/${lab.id}/${f}/${seed}`, run: () => seen(code, f, seed, lab.id) });
    }
}

for (const r of runs) {
  if (only && !r.name.includes(only)) continue;
  const text = await r.run();
  hashes[r.name] = sha(text);
  if (dump) writeFileSync(path.join(dump, r.name.replace(/\//g, '__')), text);
  console.log(`${r.name.padEnd(56)} ${hashes[r.name]!.slice(0, 16)}`);
}
identityReport(hashes, out);
process.exit(0);

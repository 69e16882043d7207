/**
 * The host's memory across boot-heavy runs (session.rss.test.ts runs this in a child process with --expose-gc):
 * RSS after a full GC before the first run (with the host's warm session worker loaded, as a host keeps one), then
 * N runs queued at once (each boots big machines and works them),
 * then RSS after a full GC once every run has ended. Prints one JSON line.
 *
 *   node --expose-gc --import tsx src-main/session/rss.fixture.ts [runs] [memory per machine] [machines per run]
 */
import { hostRuns, startRun } from './session';
import { warmWorkers } from './warm';

const runs = Number(process.argv[2] ?? 50);
const memory = process.argv[3] ?? '16G';
const machines = Number(process.argv[4] ?? 3);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

async function settle(): Promise<number> {
  // Terminated workers free their isolates asynchronously: let them go, then collect.
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 200));
    gc!();
  }
  return process.memoryUsage.rss();
}

const script = `
const ks = [];
for (let i = 0; i < ${machines}; i++) ks.push(boot({ memory: '${memory}' }));
for (const k of ks) {
  const held = [];
  for (let j = 0; j < 2000; j++) held.push(k.mm.alloc_pages('GFP_KERNEL', j % 4));
  for (let j = 0; j < held.length; j += 2) k.mm.__free_pages(held[j], (j % 4));
}
lab.result({ machines: ks.length, free: ks[0].mm.meminfo().MemFree });
`;

warmWorkers.keepWarm(1);
await warmWorkers.ready();
const start = await settle();
let peak = start;
const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
const handles = Array.from({ length: runs }, (_, i) =>
  startRun({ code: script, filename: `heavy-${i}.js`, limits: { timeoutMs: 120_000 } }, () => {}),
);
const done = await Promise.all(handles.map((h) => h.done));
clearInterval(sample);
const end = await settle();
const failed = done.filter((d) => !d.ok).map((d) => d.error?.message);
process.stdout.write(
  JSON.stringify({
    runs,
    memory,
    machines,
    concurrent: hostRuns.limit,
    ok: done.length - failed.length,
    failed: failed.slice(0, 3),
    start,
    peak,
    end,
    usage: process.memoryUsage(),
  }) + '\n',
);

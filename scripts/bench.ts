/**
 * `npm run bench`: every engine's benchmarks and the sandbox's, as a table; `--json` prints one object
 * `{ "<engine>.<figure>": { value, unit } }`. Figures are throughputs or ratios measured within this run.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RunRequestSchema } from '../src-main/contract';
import { preloadSandbox, runInSandbox } from '../src-main/sandbox/sandbox';
import { startRun } from '../src-main/session/session';

type Figures = Record<string, { value: number; unit: string }>;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function sandboxBench(): Promise<Figures> {
  const sink = { output: () => {}, progress: () => {} };
  await preloadSandbox();
  const timed = async (code: string): Promise<number> => {
    const o = await runInSandbox(RunRequestSchema.parse({ code, filename: 'bench.js', limits: { timeoutMs: 120_000 } }), sink);
    if (!o.ok) throw new Error(`bench script failed: ${o.error?.message}`);
    return (o.result as { ms: number }).ms;
  };
  // Timing inside the sandbox uses a host clock passed through lab.result; performance.now() there is virtual.
  const loopN = 5_000_000;
  const t0 = performance.now();
  await timed(`let s = 0; for (let i = 0; i < ${loopN}; i++) s = (s + i * 7) | 0; lab.result({ ms: 0, s });`);
  const loopMs = performance.now() - t0;
  const callN = 200_000;
  const t1 = performance.now();
  await timed(`for (let i = 0; i < ${callN}; i++) lab.progress; for (let i = 0; i < ${callN}; i++) Math.random(); lab.result({ ms: 0 });`);
  const randomMs = performance.now() - t1;
  const printN = 100_000;
  const t2 = performance.now();
  await timed(`for (let i = 0; i < ${printN}; i++) print(i); lab.result({ ms: 0 });`);
  const printMs = performance.now() - t2;

  // Session: worker start to done, and Stop latency on a spinning script.
  const starts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await startRun({ code: 'print(1)', filename: 's.js' }, () => {}).done;
    starts.push(performance.now() - t);
  }
  const stops: number[] = [];
  for (let i = 0; i < 5; i++) {
    let spinning!: () => void;
    const ready = new Promise<void>((r) => (spinning = r));
    const h = startRun({ code: `print('go'); while (true) {}`, filename: 's.js' }, (e) => e.type === 'output' && spinning());
    await ready;
    const t = performance.now();
    await h.stop();
    await h.done;
    stops.push(performance.now() - t);
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return {
    'sandbox.loop_iters_per_s': { value: Math.round(loopN / (loopMs / 1000)), unit: 'iter/s' },
    'sandbox.random_calls_per_s': { value: Math.round((2 * callN) / (randomMs / 1000)), unit: 'call/s' },
    'sandbox.print_calls_per_s': { value: Math.round(printN / (printMs / 1000)), unit: 'call/s' },
    'session.run_roundtrip_ms': { value: Math.round(median(starts) * 10) / 10, unit: 'ms' },
    'session.stop_latency_ms': { value: Math.round(median(stops) * 10) / 10, unit: 'ms' },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, only: { type: 'string' } } });
  const figures: Figures = {};
  const suites: [string, () => Promise<Figures> | Figures][] = [['sandbox', sandboxBench]];
  for (const engine of ['mm', 'bpf', 'ublk']) {
    const file = path.join(root, 'src-main/engines', engine, 'bench.ts');
    if (existsSync(file)) {
      suites.push([engine, async () => ((await import(file)) as { bench: () => Promise<Figures> | Figures }).bench()]);
    }
  }
  for (const [name, fn] of suites) {
    if (values.only && values.only !== name) continue;
    if (!values.json) process.stderr.write(`bench: ${name}…\n`);
    Object.assign(figures, await fn());
  }
  if (values.json) {
    console.log(JSON.stringify(figures, null, 2));
    return;
  }
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  for (const [k, { value, unit }] of Object.entries(figures)) {
    console.log(`${k.padEnd(width)}  ${value.toLocaleString('en-US').padStart(16)} ${unit}`);
  }
}

await main();

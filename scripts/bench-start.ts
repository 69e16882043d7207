/**
 * Starting up (`npm run bench`, suite `start`). The bpf_conformance plugin: CPU time per call (its children's
 * user + system, from /proc/self/stat, over 20 calls) beside a bare `node -e 0` measured the same way, the floor of
 * any Node program the runner starts. Run → first output in the built app: the browser host (out/main/host.js) is
 * started as a child process, a WebSocket client sends `run` for `print(1)` and times the call until the run's
 * first `output` event arrives. "warm": a run while the host keeps a warm session worker ready (the default);
 * "cold": a host started with KERNEL_LAB_WARM_WORKERS=0, so every run starts and loads a worker, as the first
 * run after start would without one. Wall time, and the host process's CPU time (all its threads, from
 * /proc/PID/stat) over the same interval where /proc is there; medians of several runs. The load average is
 * recorded beside them: on a shared machine the wall figures carry it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';

type Figures = Record<string, { value: number; unit: string }>;

const TICK_MS = 10; // USER_HZ 100: /proc/PID/stat counts CPU time in 10 ms ticks

/** The CPU time (user + system, ms) of a process with all its threads so far, or NaN where /proc is not there. */
function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return NaN;
  }
}

interface Host {
  child: ChildProcess;
  ws: WebSocket;
  close(): Promise<void>;
}

async function startHost(root: string, env: NodeJS.ProcessEnv): Promise<Host> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'kl-bench-'));
  const child = spawn(
    process.execPath,
    [
      path.join(root, 'out/main/host.js'),
      '--port',
      '0',
      '--workspace',
      workspace,
      '--settings',
      path.join(workspace, 'settings.json'),
    ],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Kernel Lab at (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => reject(new Error(`host exited with ${code}: ${err.slice(-1000)}`)));
  });
  const u = new URL(url);
  const ws = new WebSocket(`ws://${u.host}/ws?token=${u.searchParams.get('token')}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    child,
    ws,
    close: async () => {
      ws.close();
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

let nextId = 1;
/** One run of `print(1)`: wall ms and host CPU ms from the call until its first output event. */
async function firstOutput(host: Host): Promise<{ wall: number; cpu: number }> {
  const id = nextId++;
  const cpu0 = cpuMsOf(host.child.pid!);
  const t0 = performance.now();
  const r = await new Promise<{ wall: number; cpu: number }>((resolve, reject) => {
    let runId: string | undefined;
    let first: { wall: number; cpu: number } | undefined;
    const onMessage = (data: Buffer): void => {
      const frame = JSON.parse(String(data)) as {
        kind: string;
        id?: number;
        ok?: boolean;
        value?: { runId: string };
        error?: { message: string };
        event?: { type: string; runId: string; ok?: boolean };
      };
      if (frame.kind === 'result' && frame.id === id) {
        if (!frame.ok) return reject(new Error(`run: ${frame.error?.message}`));
        runId = frame.value!.runId;
      } else if (frame.kind === 'event' && frame.event) {
        if (frame.event.type === 'output' && !first)
          first = { wall: performance.now() - t0, cpu: cpuMsOf(host.child.pid!) - cpu0 };
        if (frame.event.type === 'done' && frame.event.runId === runId) {
          host.ws.off('message', onMessage);
          if (!frame.event.ok || !first) reject(new Error(`the bench run failed: ${JSON.stringify(frame.event)}`));
          else resolve(first);
        }
      }
    };
    host.ws.on('message', onMessage);
    host.ws.send(JSON.stringify({ id, method: 'run', args: [{ code: 'print(1)', filename: 'bench.js' }] }));
  });
  return r;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The CPU time (ms) of this process's waited-for children so far (cutime + cstime), or NaN without /proc. */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
  } catch {
    return NaN;
  }
}

/** CPU and wall ms per call of `args` (node), the mean over `n` calls. */
function perCall(args: string[], input: string, n: number): { cpu: number; wall: number } {
  const c0 = childrenCpuMs();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const r = spawnSync(process.execPath, args, { input, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  }
  return { cpu: (childrenCpuMs() - c0) / n, wall: (performance.now() - t0) / n };
}

/** The conformance plugin's cost per call, beside a bare Node process's. */
export function pluginBench(root: string, n = 20): Figures {
  const plugin = path.join(root, 'scripts/bpf-conformance-plugin');
  // A loop of 1000 rounds (r0 = 0; r1 = 1000; l: r0 += r1; r1 -= 1; if r1 != 0 goto l; exit), as hex.
  const program =
    'b7 00 00 00 00 00 00 00 b7 01 00 00 e8 03 00 00 0f 10 00 00 00 00 00 00 17 01 00 00 01 00 00 00 55 01 fd ff 00 00 00 00 95 00 00 00 00 00 00 00';
  perCall([plugin], program, 1); // builds the bundle if it is missing or stale
  const p = perCall([plugin], program, n);
  const floor = perCall(['-e', '0'], '', n);
  const round = (x: number): number => Math.round(x * 10) / 10;
  const figures: Figures = {
    'start.plugin_call_wall_ms': { value: round(p.wall), unit: 'ms wall' },
    'start.node_bare_wall_ms': { value: round(floor.wall), unit: 'ms wall' },
  };
  if (!Number.isNaN(p.cpu)) {
    figures['start.plugin_call_cpu_ms'] = { value: round(p.cpu), unit: 'ms CPU' };
    figures['start.node_bare_cpu_ms'] = { value: round(floor.cpu), unit: 'ms CPU' };
  }
  return figures;
}

/** Warm and cold Run → first output of the built browser host; skipped (no figures) where it is not built. */
export async function startBench(root: string, runs = 7): Promise<Figures> {
  if (!existsSync(path.join(root, 'out/main/host.js'))) {
    process.stderr.write('bench: start: skipped: the app is not built (npm run build)\n');
    return {};
  }
  const figures: Figures = { 'start.loadavg_1m': { value: Math.round(loadavg()[0]! * 100) / 100, unit: 'load' } };
  for (const mode of ['warm', 'cold'] as const) {
    const host = await startHost(root, mode === 'cold' ? { KERNEL_LAB_WARM_WORKERS: '0' } : {});
    try {
      const walls: number[] = [];
      const cpus: number[] = [];
      for (let i = 0; i < runs; i++) {
        // Time for the host to have its warm worker ready again (it loads in the background after a run).
        await sleep(1500);
        const r = await firstOutput(host);
        walls.push(r.wall);
        cpus.push(r.cpu);
      }
      figures[`start.run_first_output_${mode}_ms`] = { value: Math.round(median(walls) * 10) / 10, unit: 'ms wall' };
      if (cpus.every((c) => !Number.isNaN(c)))
        figures[`start.run_first_output_${mode}_cpu_ms`] = { value: median(cpus), unit: 'ms CPU' };
    } finally {
      await host.close();
    }
  }
  figures['start.loadavg_1m_after'] = { value: Math.round(loadavg()[0]! * 100) / 100, unit: 'load' };
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(
    JSON.stringify(await startBench(path.resolve(import.meta.dirname, '..'), Number(process.argv[2] ?? 7)), null, 2),
  );
}

/**
 * Sessions: each run is a worker thread holding a QuickJS sandbox. The session validates the request, starts
 * the worker, relays its events in order, and guarantees an end: Stop ends a run within 200 ms, and an outer
 * watchdog terminates a worker that outlives its deadline, whatever the script does.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import {
  DEFAULT_LIMITS,
  KERNEL_OFF,
  RunRequestSchema,
  type RunError,
  type RunEvent,
  type RunId,
  type RunRequest,
  type RunStats,
  type SourceLocation,
  type CriterionResult,
} from '../contract';
import { readLabMetaSync } from '../labs/labs';
import type { KernelOracle } from '../oracle/index';
import type { WorkerInit, WorkerMessage } from './protocol';
import { serveKernelCalls, type KernelPermit } from './kernel-calls';

/** How long Stop waits for the sandbox to notice the stop flag before terminating the worker. */
export const STOP_GRACE_MS = 120;
/** How long past its deadline a run may take before the watchdog terminates its worker. */
export const WATCHDOG_GRACE_MS = 1500;
/** How long a worker may take to start (load QuickJS) before it is given up. */
export const STARTUP_TIMEOUT_MS = 20_000;

export type DoneEvent = Extract<RunEvent, { type: 'done' }>;

export interface RunHandle {
  readonly runId: RunId;
  /** Resolves with the run's `done` event, which has also been delivered to the listener. */
  readonly done: Promise<DoneEvent>;
  /** Stops the run; resolves true if it was still running. */
  stop(): Promise<boolean>;
}

let counter = 0;
function newRunId(): RunId {
  counter += 1;
  return `run-${Date.now().toString(36)}-${counter.toString(36)}`;
}

/** Locates the worker entry: the bundled `worker.js` beside the built main, or `worker.ts` from source. */
export function workerEntry(): { url: URL; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    return { url: new URL('./worker-tsx.mjs', here), execArgv: [] };
  }
  // Bundled: the worker is out/main/worker.js, and this code sits in out/main or in out/main/chunks.
  for (const rel of ['./worker.js', '../worker.js']) {
    const url = new URL(rel, here);
    if (existsSync(fileURLToPath(url))) return { url, execArgv: [] };
  }
  throw new Error(`session worker not found beside ${fileURLToPath(here)}`);
}

/** How a run's kernel calls are decided (kernel-calls.ts). */
export interface RunOptions {
  /**
   * Whether the run's scripts may reach the kernel, asked at each kernel call; absent: never. A lab check or an
   * imported session's script is refused before this is asked.
   */
  kernel?: () => KernelPermit;
  /** For tests; default: this machine's oracle. */
  oracle?: KernelOracle;
}

/** The EPERM of a run nobody allowed to reach the kernel. */
const KERNEL_NEVER = 'kernel calls are off for this run: nobody at the keyboard allowed them (the app asks; the CLI takes --allow-kernel)';

/**
 * Starts a run. `request` is validated here (it may come from an untrusted renderer); an invalid one throws a
 * ContractError-like Error before anything starts.
 */
export function startRun(request: RunRequest, onEvent: (event: RunEvent) => void, opts: RunOptions = {}): RunHandle {
  const parsed = RunRequestSchema.parse(request);
  // A lab's limits take the place of the run's own.
  if (parsed.lab) parsed.limits = { ...parsed.limits, ...(readLabMetaSync(parsed.lab).limits ?? {}) };
  const runId = newRunId();
  const limits = { ...DEFAULT_LIMITS, ...parsed.limits };
  const stopBuffer = new SharedArrayBuffer(4);
  const stopFlag = new Int32Array(stopBuffer);
  const { url, execArgv } = workerEntry();
  // Kernel calls: served here, so that the helper is this thread's child and dies with the run (kernel-calls.ts).
  const kernelChannel = new MessageChannel();
  const kernelReady = new SharedArrayBuffer(4);
  const kernelAbort = new AbortController();
  const permit = (): KernelPermit => {
    if (parsed.lab) return { allowed: false, why: KERNEL_OFF.lab };
    if (parsed.imported) return { allowed: false, why: KERNEL_OFF.imported };
    return opts.kernel ? opts.kernel() : { allowed: false, why: KERNEL_NEVER };
  };
  serveKernelCalls(kernelChannel.port1, new Int32Array(kernelReady), {
    permit,
    signal: kernelAbort.signal,
    timeoutMs: limits.timeoutMs + WATCHDOG_GRACE_MS,
    ...(opts.oracle ? { oracle: opts.oracle } : {}),
  });
  const init: WorkerInit = { request: parsed, stopBuffer, kernelPort: kernelChannel.port2, kernelReady };
  const started = performance.now();
  let outputBytes = 0;
  let ended = false;
  // Where the script was as its last long call (a BPF load) started: where a watchdog kill stopped it.
  let lastWhere: SourceLocation | undefined;
  let resolveDone!: (e: DoneEvent) => void;
  const done = new Promise<DoneEvent>((r) => (resolveDone = r));
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const worker = new Worker(url, {
    workerData: init,
    transferList: [kernelChannel.port2],
    execArgv,
    stdout: false,
    stderr: false,
    // The sandbox's heap is WebAssembly memory, capped by the sandbox; this caps the worker's own JS heap.
    resourceLimits: { maxOldGenerationSizeMb: 512, stackSizeMb: 8 },
  });

  const end = (ok: boolean, error: RunError | undefined, result?: unknown, stats?: RunStats, checks?: CriterionResult[]): void => {
    if (ended) return;
    ended = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    // A kernel call in flight: its helper (and the program's test run) is killed with the run.
    kernelAbort.abort();
    kernelChannel.port1.close();
    const event: DoneEvent = {
      type: 'done',
      runId,
      ok,
      ...(result !== undefined ? { result } : {}),
      ...(error ? { error } : {}),
      ...(checks ? { checks } : {}),
      stats: stats ?? {
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        outputBytes,
        memoryBytes: 0,
      },
    };
    void worker.terminate();
    onEvent(event);
    resolveDone(event);
  };

  worker.on('message', (msg: WorkerMessage) => {
    if (ended) return;
    switch (msg.type) {
      case 'ready':
        later(limits.timeoutMs + WATCHDOG_GRACE_MS, () =>
          end(false, {
            kind: 'limit',
            limit: 'watchdog',
            name: 'LimitError',
            message: `the run outlived its ${limits.timeoutMs} ms deadline and was terminated by the watchdog${lastWhere ? ' in the call that started there' : ''}`,
            ...(lastWhere ? { location: lastWhere } : {}),
          }),
        );
        break;
      case 'output':
        outputBytes += Buffer.byteLength(msg.text);
        onEvent({ type: 'output', runId, stream: msg.stream, text: msg.text });
        break;
      case 'progress':
        onEvent({ type: 'progress', runId, message: msg.message, ...(msg.fraction !== undefined ? { fraction: msg.fraction } : {}) });
        break;
      case 'machine':
        onEvent({ type: 'machine', runId, state: msg.state });
        break;
      case 'chart':
        onEvent({ type: 'chart', runId, chart: msg.chart });
        break;
      case 'table':
        onEvent({ type: 'table', runId, table: msg.table });
        break;
      case 'where':
        lastWhere = msg.location;
        break;
      case 'done':
        end(msg.outcome.ok, msg.outcome.error, msg.outcome.result, msg.outcome.stats, msg.checks);
        break;
    }
  });
  worker.on('error', (err) => {
    const oom = /heap out of memory|ERR_WORKER_OUT_OF_MEMORY/i.test(`${err.message} ${(err as { code?: string }).code ?? ''}`);
    end(
      false,
      oom
        ? { kind: 'limit', limit: 'memory', name: 'LimitError', message: 'memory limit reached: the session worker ran out of memory' }
        : { kind: 'internal', name: 'InternalError', message: `session worker failed: ${err.message}` },
    );
  });
  worker.on('exit', (code) => {
    end(false, { kind: 'internal', name: 'InternalError', message: `session worker exited unexpectedly (code ${code})` });
  });
  later(STARTUP_TIMEOUT_MS + limits.timeoutMs, () =>
    end(false, { kind: 'internal', name: 'InternalError', message: 'session worker did not start in time' }),
  );

  const stop = async (): Promise<boolean> => {
    if (ended) return false;
    Atomics.store(stopFlag, 0, 1);
    kernelAbort.abort(); // the helper of a kernel call in flight dies now, not after the grace period
    const stoppedError: RunError = { kind: 'stopped', name: 'Stopped', message: 'the run was stopped' };
    const graceful = await Promise.race([
      done.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), STOP_GRACE_MS)),
    ]);
    if (!graceful) end(false, stoppedError);
    return true;
  };

  return { runId, done, stop };
}

/** Keeps the runs of one client (a window or a WebSocket) so that it can stop them and clean up on close. */
export class SessionHost {
  private readonly runs = new Map<RunId, RunHandle>();

  /** `kernel(runId)`: whether this client's runs may reach the kernel (absent: never). */
  constructor(
    private readonly emit: (event: RunEvent) => void,
    private readonly kernel?: (runId: RunId) => KernelPermit,
  ) {}

  run(request: RunRequest): { runId: RunId } {
    const kernel = this.kernel;
    // Kernel calls come after startRun() has returned, so the handle is there to name the run.
    const ref: { handle?: RunHandle } = {};
    const handle = startRun(
      request,
      (event) => {
        if (event.type === 'done') this.runs.delete(event.runId);
        this.emit(event);
      },
      kernel ? { kernel: () => kernel(ref.handle!.runId) } : {},
    );
    ref.handle = handle;
    this.runs.set(handle.runId, handle);
    return { runId: handle.runId };
  }

  async stop(runId: RunId): Promise<{ stopped: boolean }> {
    const handle = this.runs.get(runId);
    return { stopped: handle ? await handle.stop() : false };
  }

  /** Stops every run (the client went away). */
  async dispose(): Promise<void> {
    await Promise.all([...this.runs.values()].map((h) => h.stop()));
  }
}

/**
 * Sessions: each run goes to a worker thread holding a QuickJS sandbox, a warm one where the host keeps them
 * (warm.ts). The session validates the request, gives it a worker, relays its events in order, and guarantees an
 * end: Stop ends a run within 200 ms, and an outer watchdog terminates a worker that outlives its deadline,
 * whatever the script does. A stopped, timed-out or crashed run's worker is terminated, never reused.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import {
  KERNEL_OFF,
  resolveLimits,
  RunRequestSchema,
  type RunError,
  type RunEvent,
  type RunId,
  type RunRequest,
  type RunStats,
  type SourceLocation,
  type CriterionResult,
} from '../contract';
import { labById, type LabInfo } from '../labs/labs';
import { cSubmissionRun, cWithoutLab, isCSource } from '../labs/c-submission';
import type { KernelOracle } from '../oracle/index';
import type { WorkerFootprint, WorkerInit, WorkerMessage } from './protocol';
import { serveKernelCalls, type KernelPermit } from './kernel-calls';
import {
  WORKER_RETIRE_HEAP_BYTES,
  WORKER_RETIRE_WASM_BYTES,
  warmWorkers,
  type SessionWorker,
  type WarmPool,
} from './warm';

export { workerEntry } from './warm';

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

/** Runs at once on this host: one per core (os.availableParallelism()), at most 8; KERNEL_LAB_MAX_RUNS overrides. */
export const HOST_MAX_RUNS = hostMaxRuns();
/** Runs at once per client (a window, a WebSocket); its further runs wait in the host's queue. */
export const CLIENT_MAX_RUNS = 2;
/** Runs a client may have waiting; one more is refused with EAGAIN. */
export const CLIENT_MAX_QUEUED = 16;

function hostMaxRuns(): number {
  const env = Number(process.env.KERNEL_LAB_MAX_RUNS);
  if (Number.isInteger(env) && env >= 1) return env;
  return Math.max(1, Math.min(8, availableParallelism()));
}

/** A run refused because its client already has CLIENT_MAX_QUEUED runs waiting. */
export class RunQueueFullError extends Error {
  readonly code = 'EAGAIN';
  constructor(message: string) {
    super(message);
    this.name = 'RunQueueFullError';
  }
}

interface Waiting {
  client: object | undefined;
  launch(): void;
  /** Tells the run where it stands (a `queued` event), when that changed. */
  position(ahead: number, running: number): void;
}

/**
 * The host's runs: at most `limit` at once and CLIENT_MAX_RUNS per client; the others wait in order (a run whose
 * client is at its own limit lets later runs of other clients pass). Each run is a worker thread that holds up to
 * its limits' memory (the sandbox heap, the machines' budget), so this bounds the host's CPU and memory alike.
 */
export class RunQueue {
  private running = 0;
  private readonly byClient = new Map<object, { running: number; waiting: number }>();
  private readonly waiting: Waiting[] = [];

  constructor(readonly limit: number) {}

  private client(c: object): { running: number; waiting: number } {
    let n = this.byClient.get(c);
    if (!n) this.byClient.set(c, (n = { running: 0, waiting: 0 }));
    return n;
  }

  private canStart(w: Waiting): boolean {
    return this.running < this.limit && (!w.client || this.client(w.client).running < CLIENT_MAX_RUNS);
  }

  /** Starts the run now if it may, else queues it; returns the function that takes it out of the queue. */
  enqueue(w: Waiting): () => void {
    if (w.client && this.client(w.client).waiting >= CLIENT_MAX_QUEUED) {
      throw new RunQueueFullError(
        `run: ${CLIENT_MAX_QUEUED} runs are already waiting for this client; stop one or wait for one to end`,
      );
    }
    this.waiting.push(w);
    if (w.client) this.client(w.client).waiting++;
    this.pump();
    return () => this.remove(w);
  }

  private remove(w: Waiting): void {
    const i = this.waiting.indexOf(w);
    if (i < 0) return;
    this.waiting.splice(i, 1);
    if (w.client) this.client(w.client).waiting--;
    this.pump();
  }

  /** A started run ended. */
  release(client: object | undefined): void {
    this.running--;
    if (client) {
      const n = this.client(client);
      n.running--;
      if (n.running === 0 && n.waiting === 0) this.byClient.delete(client);
    }
    this.pump();
  }

  private pump(): void {
    for (let i = 0; i < this.waiting.length;) {
      const w = this.waiting[i]!;
      if (!this.canStart(w)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.running++;
      if (w.client) {
        const n = this.client(w.client);
        n.waiting--;
        n.running++;
      }
      w.launch();
    }
    this.waiting.forEach((w, i) => w.position(i, this.running));
  }

  get stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}

/** The queue of this process's runs (the Electron main process, the browser host, the CLI). */
export const hostRuns = new RunQueue(HOST_MAX_RUNS);

/** How a run is queued and how its kernel calls are decided (kernel-calls.ts). */
export interface StartOptions {
  /** The client the run belongs to (its SessionHost): CLIENT_MAX_RUNS of a client's runs go at once. */
  client?: object;
  /** The queue to wait in (tests); the host's by default. */
  queue?: RunQueue;
  /**
   * Whether the run's scripts may reach the kernel, asked at each kernel call; absent: never. A lab check or an
   * imported session's script is refused before this is asked (kernel-calls.ts).
   */
  kernel?: () => KernelPermit;
  /** For tests; default: this machine's oracle. */
  oracle?: KernelOracle;
  /** The lab of `request.lab`, already resolved (a lab folder given by path); default: looked up by id. */
  lab?: LabInfo;
  /** How long a lab's checker may take after the run (default 30 s): a checker that never ends fails its run. */
  checkTimeoutMs?: number;
  /** The warm workers to take a worker from and give it back to (tests); the host's by default. */
  pool?: WarmPool;
  /** Where a C compile of the run (k.bpf.compile) looks for `#include "..."` after the project's headers: the workspace. */
  includeDirs?: () => readonly string[];
}

const CHECK_TIMEOUT_MS = 30_000;

/** The EPERM of a run nobody allowed to reach the kernel. */
const KERNEL_NEVER =
  'kernel calls are off for this run: nobody at the keyboard allowed them (the app asks; the CLI takes --allow-kernel)';

/**
 * Starts a run, or queues it behind the host's running ones (a `queued` event says how many are ahead).
 * `request` is validated here (it may come from an untrusted renderer); an invalid one throws a ContractError-like
 * Error before anything starts, as does a run past its client's queue (RunQueueFullError, EAGAIN).
 */
export function startRun(request: RunRequest, onEvent: (event: RunEvent) => void, opts: StartOptions = {}): RunHandle {
  const parsed = RunRequestSchema.parse(request);
  // A lab's limits take the place of the run's own.
  const lab = parsed.lab ? (opts.lab ?? labById(parsed.lab)) : undefined;
  // A C file is no script: a lab with a C part runs it through its driver (c-submission.ts).
  if (isCSource(parsed.filename)) {
    if (!lab) throw new Error(cWithoutLab(parsed.filename));
    Object.assign(parsed, cSubmissionRun(lab, parsed.filename, parsed.code), { language: 'javascript' });
  }
  if (lab) parsed.limits = { ...parsed.limits, ...(lab.limits ?? {}) };
  const runId = newRunId();
  const limits = resolveLimits(parsed.limits);
  const stopBuffer = new SharedArrayBuffer(4);
  const stopFlag = new Int32Array(stopBuffer);
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
    ...(opts.includeDirs ? { includeDirs: opts.includeDirs } : {}),
  });
  const init: WorkerInit = {
    request: parsed,
    stopBuffer,
    kernelPort: kernelChannel.port2,
    kernelReady,
    ...(lab ? { lab } : {}),
  };
  const queue = opts.queue ?? hostRuns;
  let started = performance.now();
  let outputBytes = 0;
  let ended = false;
  let worker: SessionWorker | undefined;
  const pool = opts.pool ?? warmWorkers;
  // The worker may serve another run: its run ended with its own `done`, unstopped, within every limit.
  let reusable = false;
  let stopping = false;
  let launched = false;
  let dequeue = (): void => {};
  let lastAhead = -1;
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

  const end = (
    ok: boolean,
    error: RunError | undefined,
    result?: unknown,
    stats?: RunStats,
    checks?: CriterionResult[],
  ): void => {
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
    if (launched) {
      if (worker) pool.give(worker, reusable && !stopping);
      queue.release(opts.client);
    } else dequeue();
    onEvent(event);
    resolveDone(event);
  };

  const launch = (): void => {
    launched = true;
    started = performance.now();
    let w: SessionWorker;
    try {
      w = pool.take();
    } catch (e) {
      end(false, {
        kind: 'internal',
        name: 'InternalError',
        message: `session worker could not start: ${(e as Error).message}`,
      });
      return;
    }
    worker = w;
    const onMessage = (msg: WorkerMessage): void => {
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
          onEvent({
            type: 'progress',
            runId,
            message: msg.message,
            ...(msg.fraction !== undefined ? { fraction: msg.fraction } : {}),
          });
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
        case 'checking': {
          // The run is over; the lab's checker gets its own deadline, and one that never ends fails the run's checks.
          for (const t of timers) clearTimeout(t);
          timers.clear();
          const { outcome } = msg;
          const ms = opts.checkTimeoutMs ?? CHECK_TIMEOUT_MS;
          later(ms, () =>
            end(outcome.ok, outcome.error, outcome.result, outcome.stats, [
              {
                name: 'the lab could be checked',
                pass: false,
                hint: 'report this lab to its author: its checker is broken',
                detail: "the lab's checker did not finish",
                internal: `${lab?.dir ?? parsed.lab}/check.js: did not finish within ${ms} ms (a checker that never ends)`,
              },
            ]),
          );
          break;
        }
        case 'done':
          reusable = keepable(msg.outcome.error, msg.footprint, !!parsed.lab);
          end(msg.outcome.ok, msg.outcome.error, msg.outcome.result, msg.outcome.stats, msg.checks);
          break;
      }
    };
    const onError = (err: Error): void => {
      const oom = /heap out of memory|ERR_WORKER_OUT_OF_MEMORY/i.test(
        `${err.message} ${(err as { code?: string }).code ?? ''}`,
      );
      end(
        false,
        oom
          ? {
              kind: 'limit',
              limit: 'memory',
              name: 'LimitError',
              message: 'memory limit reached: the session worker ran out of memory',
            }
          : { kind: 'internal', name: 'InternalError', message: `session worker failed: ${err.message}` },
      );
    };
    const onExit = (code: number): void => {
      end(false, {
        kind: 'internal',
        name: 'InternalError',
        message: `session worker exited unexpectedly (code ${code})`,
      });
    };
    w.attach({ message: onMessage, error: onError, exit: onExit }, { type: 'run', init });
    later(STARTUP_TIMEOUT_MS + limits.timeoutMs, () =>
      end(false, { kind: 'internal', name: 'InternalError', message: 'session worker did not start in time' }),
    );
  };

  // `end` takes a run that never started out of the queue with it.
  dequeue = queue.enqueue({
    client: opts.client,
    launch,
    position: (ahead, running) => {
      if (ended || ahead === lastAhead) return;
      lastAhead = ahead;
      const message = `queued: ${ahead} run${ahead === 1 ? '' : 's'} ahead (${running} of ${queue.limit} running on this host)`;
      onEvent({ type: 'queued', runId, ahead, message });
    },
  });

  const stop = async (): Promise<boolean> => {
    if (ended) return false;
    const stoppedError: RunError = { kind: 'stopped', name: 'Stopped', message: 'the run was stopped' };
    if (!launched) {
      end(false, stoppedError);
      return true;
    }
    stopping = true;
    Atomics.store(stopFlag, 0, 1);
    kernelAbort.abort(); // the helper of a kernel call in flight dies now, not after the grace period
    const graceful = await Promise.race([
      done.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), STOP_GRACE_MS)),
    ]);
    if (!graceful) end(false, stoppedError);
    return true;
  };

  return { runId, done, stop };
}

/**
 * Whether a worker may serve another run after this one: not after a limit (the script was cut off wherever it
 * was), a failure inside, or a lab's run (its check.js ran as host code in the worker), nor when the run left the
 * worker's heap or the sandbox's memory large.
 */
function keepable(error: RunError | undefined, footprint: WorkerFootprint, lab: boolean): boolean {
  if (lab) return false;
  if (error && error.kind !== 'script' && error.kind !== 'syntax') return false;
  return footprint.heapBytes <= WORKER_RETIRE_HEAP_BYTES && footprint.wasmBytes <= WORKER_RETIRE_WASM_BYTES;
}

/** Keeps the runs of one client (a window or a WebSocket) so that it can stop them and clean up on close. */
export class SessionHost {
  private readonly runs = new Map<RunId, RunHandle>();

  /**
   * `kernel(runId)`: whether this client's runs may reach the kernel (absent: never); `includeDirs`: the include
   * path of their C compiles (the workspace's folder).
   */
  constructor(
    private readonly emit: (event: RunEvent) => void,
    private readonly kernel?: (runId: RunId) => KernelPermit,
    private readonly includeDirs?: () => readonly string[],
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
      {
        client: this,
        ...(kernel ? { kernel: () => kernel(ref.handle!.runId) } : {}),
        ...(this.includeDirs ? { includeDirs: this.includeDirs } : {}),
      },
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

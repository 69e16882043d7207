/**
 * Session workers kept warm: a worker thread costs a few hundred milliseconds of CPU to start, most of it loading
 * the engines and compiling QuickJS, so a host keeps one ready (started at host start and again after a run), and a
 * worker whose run ended cleanly serves the next run. Each run still gets a fresh QuickJS runtime and fresh
 * machines (sandbox.ts makes both per run), so what one script does cannot reach the next. A worker is retired
 * (terminated) instead of kept when its run was stopped, hit a limit, failed inside, or was a lab's (a lab's
 * check.js is host code loaded into the worker), when its heap stayed large, or after WORKER_MAX_RUNS runs.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParentMessage, WorkerMessage } from './protocol';

/** Runs one worker serves before it is retired. */
export const WORKER_MAX_RUNS = 64;
/** A worker whose JS heap is above this after its run is retired rather than kept. */
export const WORKER_RETIRE_HEAP_BYTES = 96 << 20;
/** A worker whose sandbox memory (QuickJS's WebAssembly memory, which never shrinks) grew past this is retired. */
export const WORKER_RETIRE_WASM_BYTES = 64 << 20;

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

/** What a run listens to on the worker it holds. */
export interface WorkerListener {
  message(msg: WorkerMessage): void;
  error(err: Error): void;
  exit(code: number): void;
}

/** One session worker thread: it loads the sandbox, says `warm`, then serves `run` messages one at a time. */
export class SessionWorker {
  readonly worker: Worker;
  /** The sandbox is loaded: a run sent now starts at once. */
  warm = false;
  /** Runs it has been given. */
  runs = 0;
  exited = false;
  private listener: WorkerListener | undefined;

  constructor(private readonly onIdleEnd: (w: SessionWorker) => void) {
    const { url, execArgv } = workerEntry();
    this.worker = new Worker(url, {
      execArgv,
      stdout: false,
      stderr: false,
      // The sandbox's heap is WebAssembly memory, capped by the sandbox; this caps the worker's own JS heap.
      resourceLimits: { maxOldGenerationSizeMb: 512, stackSizeMb: 8 },
    });
    this.worker.on('message', (msg: WorkerMessage) => {
      if (msg.type === 'warm') this.warm = true;
      else this.listener?.message(msg);
    });
    this.worker.on('error', (err) => {
      if (this.listener) this.listener.error(err);
      else this.onIdleEnd(this);
    });
    this.worker.on('exit', (code) => {
      this.exited = true;
      if (this.listener) this.listener.exit(code);
      else this.onIdleEnd(this);
    });
  }

  /** Gives the worker a run: its events go to `listener` until `release`. */
  attach(listener: WorkerListener, msg: ParentMessage & { type: 'run' }): void {
    this.listener = listener;
    this.runs++;
    this.worker.ref();
    this.worker.postMessage(msg, [msg.init.kernelPort]);
  }

  /** The run is over: no more of its events are delivered. */
  detach(): void {
    this.listener = undefined;
  }

  terminate(): void {
    this.listener = undefined;
    void this.worker.terminate();
  }
}

/**
 * The warm workers of this process. Off until a host calls `keepWarm()` (the CLI and the tests start a worker per
 * run, as before); KERNEL_LAB_WARM_WORKERS=0 keeps it off in a host too.
 */
export class WarmPool {
  private idle: SessionWorker[] = [];
  private target = 0;

  /** Keeps `n` workers ready from now on (0: none), starting them in the background. */
  keepWarm(n = warmTargetFromEnv()): void {
    this.target = n;
    while (this.idle.length > n) this.idle.pop()!.terminate();
    this.fill();
  }

  get enabled(): boolean {
    return this.target > 0;
  }

  /** The ready (or still loading) workers it holds now. */
  get size(): number {
    return this.idle.length;
  }

  /** The thread ids of the workers it holds now, ready or loading (tests: which worker serves which run). */
  get threadIds(): number[] {
    return this.idle.map((w) => w.worker.threadId);
  }

  /** Resolves once every worker held is warm (tests, the bench). */
  async ready(): Promise<void> {
    while (this.idle.some((w) => !w.warm)) await new Promise((r) => setTimeout(r, 10));
  }

  /** A worker for a run: a warm one if there is one, else the one loading, else a new one. */
  take(): SessionWorker {
    const i = this.idle.findIndex((w) => w.warm);
    // No replacement starts now: the worker comes back when its run ends cleanly, and a second run at once pays
    // for a worker of its own.
    return i >= 0 ? this.idle.splice(i, 1)[0]! : (this.idle.shift() ?? this.spawn());
  }

  /** A run ended on `w`: kept for the next run when `reusable` and the pool has room, else terminated. */
  give(w: SessionWorker, reusable: boolean): void {
    w.detach();
    if (reusable && !w.exited && w.runs < WORKER_MAX_RUNS && this.idle.length < this.target) {
      w.worker.unref();
      this.idle.unshift(w);
    } else {
      w.terminate();
    }
    this.fill();
  }

  private spawn(): SessionWorker {
    return new SessionWorker((w) => {
      const i = this.idle.indexOf(w);
      if (i >= 0) this.idle.splice(i, 1);
      if (!w.exited) w.terminate();
    });
  }

  private fill(): void {
    while (this.idle.length < this.target) {
      let w: SessionWorker;
      try {
        w = this.spawn();
      } catch {
        return; // no worker entry: runs report it themselves
      }
      // An idle worker does not keep the process alive.
      w.worker.unref();
      this.idle.push(w);
    }
  }
}

function warmTargetFromEnv(): number {
  const env = process.env.KERNEL_LAB_WARM_WORKERS;
  if (env === undefined || env === '') return 1;
  const n = Number(env);
  return Number.isInteger(n) && n >= 0 && n <= 8 ? n : 1;
}

/** This process's warm workers (the Electron main process, the browser host). */
export const warmWorkers = new WarmPool();

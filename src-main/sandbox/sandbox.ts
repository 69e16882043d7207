/**
 * The QuickJS sandbox: one runtime per run (sync variant), with a deadline, a memory cap that really holds,
 * a stack cap and an output cap. Scripts reach only the globals that the prelude defines.
 *
 * QuickJS's own memory limit refuses single large allocations but not many small ones (quickjs-emscripten
 * #255/#271), so the interrupt handler also watches the WebAssembly heap and ends the run past the cap.
 */
import {
  newQuickJSWASMModule,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSWASMModule,
} from 'quickjs-emscripten';
import { getHeapStatistics } from 'node:v8';
import {
  type Chart,
  type LimitName,
  type MachineState,
  type Table,
  type RunError,
  type RunRequestParsed,
  type RunStats,
  type SourceLocation,
} from '../contract';
import { PROGRESS_MESSAGE_MAX, resolveLimits, type DefaultRunLimits } from '../contract-limits';
import type { transform as SucraseTransform } from 'sucrase';
import { PRELUDE, PRELUDE_FILENAME } from './prelude';
import type { Kernel } from '../engines/kernel';
import { machineState } from './machine-state';
import { normaliseChart, normaliseTable, tableText } from './views';
import { machineBytes, mib } from './machine-memory';
import { markLoops } from './loop-marks';
import { installHost } from './install-host';
import { LimitHit, limitError, scriptWhere, toRunError, type Remap } from './run-error';

export { VIRTUAL_EPOCH_MS } from './install-host';

/** Where the sandbox sends what a script prints and reports. */
export interface SandboxSink {
  output(stream: 'stdout' | 'stderr', text: string): void;
  progress(fraction: number | undefined, message: string): void;
  /** The state of each booted machine, for the panels: while the run goes (throttled) and at its end. */
  machine?(state: MachineState): void;
  /** What lab.chart() and lab.table() drew. */
  chart?(chart: Chart): void;
  table?(table: Table): void;
  /**
   * Where the script is as a call that may run long (a BPF load) starts: a run the watchdog must kill there
   * can still say where it stopped.
   */
  where?(location: SourceLocation): void;
}

export interface SandboxOutcome {
  ok: boolean;
  result?: unknown;
  error?: RunError;
  stats: RunStats;
  /** The machines the script booted (host objects: for a lab's check in the same thread; never posted). */
  kernels?: Kernel[];
}

/** How often (in interrupt-handler calls) the sandbox flushes output and checks the heap. */
const FLUSH_INTERVAL_MS = 30;
/** How often a running script's machines are sent to the panels. */
const MACHINE_INTERVAL_MS = 500;
/** Progress events are coalesced: at most one per this interval, the latest message winning. */
const PROGRESS_INTERVAL_MS = 50;
/** The machines' memory is measured after every this many engine calls (a heap statistic costs a fifth of a call). */
export const ENGINE_CHECK_CALLS = 4;
const MAX_JOBS_PER_TURN = 1000;

let modulePromise: Promise<QuickJSWASMModule> | undefined;
let loadedModule: QuickJSWASMModule | undefined;
/** One WebAssembly module per thread: each run gets a fresh runtime (and fresh machines) in it. */
function quickjsModule(): Promise<QuickJSWASMModule> {
  modulePromise ??= newQuickJSWASMModule().then((m) => (loadedModule = m));
  return modulePromise;
}

/** The bytes of this thread's QuickJS WebAssembly memory (0 before it is loaded): it never shrinks. */
export function sandboxMemoryBytes(): number {
  return loadedModule ? loadedModule.getWasmMemory().buffer.byteLength : 0;
}

/** Loads QuickJS ahead of a run, so that the deadline does not pay for compiling WebAssembly. */
export async function preloadSandbox(): Promise<void> {
  await quickjsModule();
}

let sucrase: { transform: typeof SucraseTransform } | undefined;
let sucrasePromise: Promise<unknown> | undefined;
/**
 * Loads sucrase's TypeScript transform (a fifth of a worker's start): before the first TypeScript run, or while a
 * warm worker waits for its next run.
 */
export function loadTranspiler(): Promise<unknown> {
  sucrasePromise ??= import('sucrase').then((m) => (sucrase = m));
  return sucrasePromise;
}

/**
 * Transpiles a TypeScript script to JavaScript, keeping every line where it was (sucrase preserves lines); the
 * transform must have been loaded (loadTranspiler()).
 */
export function transpile(code: string, language: 'javascript' | 'typescript', filename: string): string {
  if (language === 'javascript') return code;
  if (!sucrase) throw new Error('transpile: the TypeScript transform is not loaded (loadTranspiler())');
  const { transform } = sucrase;
  try {
    return transform(code, { transforms: ['typescript'], disableESTransforms: true, filePath: filename }).code;
  } catch (e) {
    const err = e as Error & { loc?: { line: number; column: number } };
    const se = new SyntaxError(err.message.replace(/\s*\(\d+:\d+\)$/, ''));
    (se as SyntaxError & { location?: SourceLocation | undefined }).location = err.loc
      ? { file: filename, line: err.loc.line, column: err.loc.column + 1 }
      : undefined;
    throw se;
  }
}

/**
 * Runs one script to completion (synchronously, promises included) and returns its outcome. `stopFlag[0]` set
 * to 1 by another thread stops the run at the next interrupt check.
 */
export async function runInSandbox(
  req: RunRequestParsed,
  sink: SandboxSink,
  stopFlag?: Int32Array,
): Promise<SandboxOutcome> {
  const module = await quickjsModule();
  if (req.language === 'typescript') await loadTranspiler();
  const limits = resolveLimits(req.limits);
  const started = performance.now();
  const deadline = started + limits.timeoutMs;
  const wasm = module.getWasmMemory();
  const heapBase = wasm.buffer.byteLength;
  let peakHeap = 0;

  let pending = '';
  let pendingStream: 'stdout' | 'stderr' = 'stdout';
  let outputBytes = 0;
  let lastFlush = started;
  let hit: LimitName | 'stopped' | undefined;
  let resultJson: string | undefined;
  let tables = 0;
  let disposeBridge = (): void => {};
  let bootedKernels: Kernel[] = [];
  let sendMachines = (_final?: boolean, _atCallStart?: boolean): void => {};
  let machinesOverBudget = (): boolean => false;
  let engineCalls = 0;
  let machinesCostMs = 0;
  let loadsSent = 0;
  let inMachines = false;
  let lastMachines = performance.now();
  // lab.progress(): the latest report not yet sent (coalesced), and when one was last sent.
  let pendingProgress: { fraction: number | undefined; message: string } | undefined;
  // The machines' memory budget: why a run ended over it, and the thread's heap growth last measured by a walk.
  let budgetMessage: string | undefined;
  const engineHeap = (): number => {
    const h = getHeapStatistics();
    return h.used_heap_size + h.external_memory - wasm.buffer.byteLength;
  };
  let heapFloor = engineHeap();
  let heapRoom = 0;
  let lastProgress = -Infinity;
  let lastSignalCheck = started;

  const flush = (): void => {
    if (pending) sink.output(pendingStream, pending);
    pending = '';
    lastFlush = performance.now();
    if (pendingProgress && lastFlush - lastProgress >= PROGRESS_INTERVAL_MS) sendProgress();
  };
  const sendProgress = (): void => {
    if (!pendingProgress) return;
    const { fraction, message } = pendingProgress;
    pendingProgress = undefined;
    lastProgress = performance.now();
    sink.progress(fraction, message);
  };
  /**
   * lab.progress(): its message counts against the output cap like printed text (a report past the cap ends the
   * run as print does), is cut to PROGRESS_MESSAGE_MAX characters, and reports are coalesced to one per
   * PROGRESS_INTERVAL_MS, the latest winning; the last one is sent before the run ends.
   */
  const progress = (fraction: number, message: string): void => {
    if (hit) throw new LimitHit(hit);
    const bytes = Buffer.byteLength(message);
    if (outputBytes + bytes > limits.outputBytes) {
      outputBytes = limits.outputBytes;
      hit = 'output';
      throw new LimitHit('output');
    }
    outputBytes += bytes;
    if (message.length > PROGRESS_MESSAGE_MAX) message = message.slice(0, PROGRESS_MESSAGE_MAX - 1) + '…';
    pendingProgress = { fraction: fraction >= 0 && fraction <= 1 ? fraction : undefined, message };
    if (performance.now() - lastProgress >= PROGRESS_INTERVAL_MS) {
      flush();
      sendProgress();
    }
  };
  const write = (stream: 'stdout' | 'stderr', text: string): void => {
    if (hit) throw new LimitHit(hit);
    const bytes = Buffer.byteLength(text);
    if (outputBytes + bytes > limits.outputBytes) {
      const room = Math.max(0, limits.outputBytes - outputBytes);
      text = Buffer.from(text).subarray(0, room).toString();
      outputBytes = limits.outputBytes;
      if (text) emit(stream, text);
      hit = 'output';
      throw new LimitHit('output');
    }
    outputBytes += bytes;
    emit(stream, text);
  };
  const emit = (stream: 'stdout' | 'stderr', text: string): void => {
    if (stream !== pendingStream) flush();
    pendingStream = stream;
    pending += text;
    if (pending.length > 64 << 10 || performance.now() - lastFlush > FLUSH_INTERVAL_MS) flush();
  };
  const heapUsed = (): number => {
    const used = wasm.buffer.byteLength - heapBase;
    if (used > peakHeap) peakHeap = used;
    return used;
  };

  let code: string;
  try {
    code = transpile(req.code, req.language, req.filename);
  } catch (e) {
    const se = e as SyntaxError & { location?: SourceLocation | undefined };
    return finish({
      kind: 'syntax',
      name: 'SyntaxError',
      message: se.message,
      ...(se.location ? { location: se.location } : {}),
    });
  }

  // A timeout reports the loop that was running (loop-marks.ts); `remap` takes positions back to the script's own.
  const marked = markLoops(code);
  code = marked.code;
  const remap = marked.remap;

  const runtime: QuickJSRuntime = module.newRuntime();
  runtime.setMemoryLimit(limits.memoryBytes);
  runtime.setMaxStackSize(limits.stackBytes);
  const vm: QuickJSContext = runtime.newContext();

  try {
    const { bridge, kernels, engineDepth, locate, scriptLines } = installHost(vm, req, limits.machineBytes, {
      write: (fd, text) => write(fd === 2 ? 'stderr' : 'stdout', text),
      result: (json) => {
        resultJson = json;
      },
      progress,
      engineCalled: () => {
        // An engine call can allocate a lot at once (a map's values, a device's buffers): measured after every
        // ENGINE_CHECK_CALLS-th call (a count, not a time: the overshoot is the same on a fast host), as the
        // interrupt handler does between them.
        if (++engineCalls % ENGINE_CHECK_CALLS !== 0) return;
        if (!hit && machinesOverBudget()) {
          hit = 'memory';
          throw new LimitHit('memory');
        }
      },
      signalPending: () => {
        // Asked by the engines inside one long call (test-run repeats, fio events), where the interrupt handler
        // cannot run: the same checks, the budget's walk at most every FLUSH_INTERVAL_MS, and output kept flowing.
        if (hit) return true;
        const now = performance.now();
        if (stopFlag && Atomics.load(stopFlag, 0) !== 0) hit = 'stopped';
        else if (now > deadline) hit = 'timeout';
        else if (now - lastSignalCheck > FLUSH_INTERVAL_MS) {
          lastSignalCheck = now;
          if (machinesOverBudget()) hit = 'memory';
          if (now - lastFlush > FLUSH_INTERVAL_MS) flush();
        }
        return hit !== undefined;
      },
      beforeLongCall: () => {
        // The panels' own replay of a load (bpf-loads.ts) calls the verifier too: not a call of the script.
        if (inMachines) return;
        // The loads so far go out before a load that may outlive the deadline (the watchdog then kills the
        // worker with no chance to send them), at most at a tenth of the run's time.
        flush();
        const loads = bootedKernels.reduce((n, k) => n + k.bpf_loads.length, 0);
        if (loads !== loadsSent && performance.now() - lastMachines >= 10 * machinesCostMs) sendMachines(false, true);
        if (sink.where) {
          const at = scriptWhere(vm, req.filename, remap);
          if (at) sink.where(at);
        }
      },
      view: (kind, json) => {
        if (kind === 'chart') {
          const chart = normaliseChart(json);
          flush();
          sink.chart?.(chart);
        } else {
          const table = normaliseTable(json, tables++);
          // A table is also text: the console (and the CLI) show it where it was printed.
          write('stdout', tableText(table));
          flush();
          sink.table?.(table);
        }
      },
    });
    disposeBridge = () => bridge.dispose();
    bootedKernels = kernels;
    /**
     * Whether the machines grew past the budget after boot (maps, devices, page tables). The thread's heap is the
     * cheap trigger (it also holds garbage); the walk of the machines (machineBytes) decides.
     */
    machinesOverBudget = (): boolean => {
      // The heap's growth since the last walk, from its lowest point since (a GC that frees garbage lowers it).
      const now = engineHeap();
      if (now < heapFloor) heapFloor = now;
      if (now - heapFloor <= heapRoom) return false;
      const held = kernels.reduce((n, k) => n + machineBytes(k), 0);
      // The machines cannot pass the budget before the heap grows by about the room left: walk again then (at
      // least every MiB), so that a run ends about a MiB (and the allocations of the calls between checks) past it.
      heapFloor = now;
      heapRoom = Math.max((limits.machineBytes - held) / 2, 1 << 20);
      if (held <= limits.machineBytes) return false;
      budgetMessage = `run memory budget of ${mib(limits.machineBytes)} exceeded: the run's ${kernels.length} machine${kernels.length === 1 ? '' : 's'} hold ${mib(held)}`;
      return true;
    };
    sendMachines = (final = false, atCallStart = false): void => {
      // At the start of an engine call (before it changed anything) the machines are whole as well.
      if (!sink.machine || engineDepth() > (atCallStart ? 1 : 0)) return;
      const t0 = performance.now();
      lastMachines = t0;
      inMachines = true;
      kernels.forEach((k, i) => {
        try {
          sink.machine!(machineState(k, i, { final, locate, scriptLines }));
        } catch {
          // A machine the script broke mid-way has no state to show; the run goes on.
        }
      });
      inMachines = false;
      loadsSent = kernels.reduce((n, k) => n + k.bpf_loads.length, 0);
      machinesCostMs = performance.now() - t0;
    };
    const prelude = vm.evalCode(PRELUDE, PRELUDE_FILENAME);
    if (prelude.error) {
      const dumped = vm.dump(prelude.error);
      prelude.error.dispose();
      throw new Error(`sandbox prelude failed: ${JSON.stringify(dumped)}`);
    }
    prelude.value.dispose();
    // Limits apply from here: the prelude is ours and short.
    runtime.setInterruptHandler(() => {
      if (hit) return true;
      const now = performance.now();
      if (stopFlag && Atomics.load(stopFlag, 0) !== 0) hit = 'stopped';
      else if (now > deadline) hit = 'timeout';
      else if (heapUsed() > limits.memoryBytes) hit = 'memory';
      else if (machinesOverBudget()) hit = 'memory';
      if (now - lastFlush > FLUSH_INTERVAL_MS) flush();
      if (now - lastMachines > MACHINE_INTERVAL_MS) sendMachines();
      return hit !== undefined;
    });

    const evaluated = vm.evalCode(code, req.filename, { type: 'global' });
    // A Stop that ended a host call (a kernel call's helper killed) throws in the script before the interrupt
    // handler sees the flag: the run was stopped all the same.
    const stopped = (): LimitName | 'stopped' | undefined =>
      hit ?? (stopFlag && Atomics.load(stopFlag, 0) !== 0 ? (hit = 'stopped') : undefined);
    let error: RunError | undefined;
    if (evaluated.error) {
      error = toRunError(vm, evaluated.error, req.filename, stopped(), limits, remap);
      evaluated.error.dispose();
    } else {
      error = settle(vm, runtime, evaluated.value, req.filename, stopped, limits, remap);
    }
    flush();
    sendProgress();
    sendMachines(true);
    return finish(error);
  } catch (e) {
    flush();
    sendProgress();
    if (e instanceof LimitHit) return finish(limitError(e.limit, limits));
    return finish({ kind: 'internal', name: 'InternalError', message: (e as Error).message });
  } finally {
    try {
      disposeBridge();
      vm.dispose();
      runtime.dispose();
    } catch {
      // A runtime interrupted mid-allocation may not free cleanly; the worker ends with the run anyway.
    }
  }

  function finish(error: RunError | undefined): SandboxOutcome {
    if (error?.kind === 'limit' && error.limit === 'memory' && budgetMessage)
      error = { ...error, message: budgetMessage };
    let result: unknown;
    if (resultJson !== undefined) {
      try {
        result = JSON.parse(resultJson);
      } catch {
        result = undefined;
      }
    }
    heapUsed();
    const stats: RunStats = {
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      outputBytes,
      memoryBytes: peakHeap,
    };
    const base = { stats, kernels: bootedKernels, ...(result !== undefined ? { result } : {}) };
    return error ? { ok: false, error, ...base } : { ok: true, ...base };
  }
}

/** Runs pending jobs until the script's value (a promise, for async scripts) settles, or a limit hits. */
function settle(
  vm: QuickJSContext,
  runtime: QuickJSRuntime,
  value: QuickJSHandle,
  filename: string,
  hit: () => LimitName | 'stopped' | undefined,
  limits: DefaultRunLimits,
  remap: Remap,
): RunError | undefined {
  try {
    for (;;) {
      const jobs = runtime.executePendingJobs(MAX_JOBS_PER_TURN);
      if (jobs.error) {
        const err = toRunError(vm, jobs.error, filename, hit(), limits, remap);
        jobs.error.dispose();
        return err;
      }
      const h = hit();
      if (h) return limitError(h, limits);
      if (!runtime.hasPendingJob()) break;
    }
    const state = vm.getPromiseState(value);
    if (state.type === 'rejected') {
      const err = toRunError(vm, state.error, filename, hit(), limits, remap);
      state.error.dispose();
      return err;
    }
    if (state.type === 'fulfilled') {
      if (state.notAPromise !== true) state.value.dispose();
      return undefined;
    }
    return {
      kind: 'script',
      name: 'Error',
      message: 'the script ended with a promise that never settles (nothing left to run)',
    };
  } finally {
    value.dispose();
  }
}

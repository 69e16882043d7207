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
  type VmCallResult,
} from 'quickjs-emscripten';
import { getHeapStatistics } from 'node:v8';
import { Prng } from '../engines/common/prng';
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
import { DEFAULT_LIMITS, PROGRESS_MESSAGE_MAX, resolveLimits, type DefaultRunLimits } from '../contract-limits';
import type { transform as SucraseTransform } from 'sucrase';
import { PRELUDE, PRELUDE_FILENAME } from './prelude';
import { Bridge, ScriptCallbackError, TYPED_CTORS, TypedResult } from './bridge';
import { CLASS_BINDINGS } from './bindings';
import { KernelError } from '../engines/common/errors';
import { boot, type BootOptions, type BpfLoadRecord, type Kernel } from '../engines/kernel';
import { asmScriptLines, asmScriptPosition, type ScriptPosition } from './asm-source';
import { BPF_ORACLE, hostBtfIds, hostUringProbe } from './oracle-bindings';
import { machineState } from './machine-state';
import { ARG_JSON, installFastCall } from './fastcall';
import { normaliseChart, normaliseTable, tableText } from './views';
import { bootFloorBytes, machineBytes, mib } from './machine-memory';
import { markLoops } from './loop-marks';

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

/** The virtual epoch of Date.now() in the sandbox: the Unix time the simulated machine boots at. */
export const VIRTUAL_EPOCH_MS = Date.UTC(2023, 0, 1);

/** How often (in interrupt-handler calls) the sandbox flushes output and checks the heap. */
const FLUSH_INTERVAL_MS = 30;
/** How often a running script's machines are sent to the panels. */
const MACHINE_INTERVAL_MS = 500;
/** Progress events are coalesced: at most one per this interval, the latest message winning. */
const PROGRESS_INTERVAL_MS = 50;
/** The machines' memory is measured after every this many engine calls (a heap statistic costs a fifth of a call). */
export const ENGINE_CHECK_CALLS = 4;
const MAX_STACK_FRAMES = 12;
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

class LimitHit extends Error {
  constructor(readonly limit: LimitName | 'stopped') {
    super(limit);
  }
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
    if (error?.kind === 'limit' && error.limit === 'memory' && budgetMessage) error = { ...error, message: budgetMessage };
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

interface HostFns {
  /** A call that may outlive the deadline (a BPF load or verify) is about to start. */
  beforeLongCall(): void;
  view(kind: string, json: string): void;
  write(fd: number, text: string): void;
  result(json: string): void;
  progress(fraction: number, message: string): void;
  /** After each engine call: ends the run (throws LimitHit) when the machines grew past their budget. */
  engineCalled(): void;
  /** The machines' signal_pending(): inside a long engine call, whether the run must end (Stop, deadline, budget). */
  signalPending(): boolean;
}

/** Installs `globalThis.__host`, which the prelude captures and deletes. Returns the bridge to the engines. */
function installHost(
  vm: QuickJSContext,
  req: RunRequestParsed,
  budget: number,
  fns: HostFns,
): {
  bridge: Bridge;
  kernels: Kernel[];
  engineDepth: () => number;
  locate: (rec: BpfLoadRecord) => ScriptPosition | undefined;
  scriptLines: (rec: BpfLoadRecord, asmLines: readonly number[]) => number[] | undefined;
} {
  const host = vm.newObject();
  const prng = new Prng(req.seed);
  const state = vm.newArray();
  for (let i = 0; i < 4; i++) {
    const n = vm.newNumber(prng.nextU32());
    vm.setProp(state, i, n);
    n.dispose();
  }
  vm.setProp(host, 'seedState', state);
  state.dispose();
  const setNum = (name: string, v: number): void => {
    const h = vm.newNumber(v);
    vm.setProp(host, name, h);
    h.dispose();
  };
  setNum('seed', req.seed);
  const params = vm.newString(JSON.stringify(req.params ?? {}));
  vm.setProp(host, 'params', params);
  params.dispose();
  setNum('epochMs', VIRTUAL_EPOCH_MS);
  const fn = (name: string, impl: (...args: QuickJSHandle[]) => QuickJSHandle | VmCallResult<QuickJSHandle> | void): void => {
    const h = vm.newFunction(name, impl);
    vm.setProp(host, name, h);
    h.dispose();
  };
  const bridge = new Bridge(vm, CLASS_BINDINGS);
  let makeError: QuickJSHandle | undefined;
  let kernel: Kernel | undefined;
  const kernels: Kernel[] = [];
  // Engine calls in progress (a script callback can run inside one): no snapshots are taken mid-call.
  let depth = 0;

  /** Where a rejected load's assembly error or failing line is in the script (the program a literal of it). */
  const located = new WeakMap<BpfLoadRecord, ScriptPosition | null>();
  const locate = (rec: BpfLoadRecord): ScriptPosition | undefined => {
    const known = located.get(rec);
    if (known !== undefined) return known ?? undefined;
    let at: ScriptPosition | undefined;
    const asm = rec.attr.asm;
    const d = rec.error instanceof KernelError ? rec.error.detail : undefined;
    const line = d?.['line'];
    if (typeof asm === 'string' && typeof line === 'number' && line >= 1) {
      // An assembler error has its column; a verifier error's line is marked from its first non-blank.
      const text = asm.split('\n')[line - 1] ?? '';
      const column = typeof d?.['column'] === 'number' ? d['column'] : text.length - text.trimStart().length + 1;
      at = asmScriptPosition(req.code, req.language === 'typescript', asm, line, column);
    }
    located.set(rec, at ?? null);
    return at;
  };
  /** The script line of each instruction of a load whose program is a literal of the script (the panel's mapping). */
  const scriptLines = (rec: BpfLoadRecord, asmLines: readonly number[]): number[] | undefined =>
    typeof rec.attr.asm === 'string' ? asmScriptLines(req.code, req.language === 'typescript', rec.attr.asm, asmLines) : undefined;
  const locateError = (e: KernelError): ScriptPosition | undefined => {
    for (const k of kernels) for (let i = k.bpf_loads.length - 1; i >= 0; i--) if (k.bpf_loads[i]!.error === e) return locate(k.bpf_loads[i]!);
    return undefined;
  };

  /** Turns a host exception into a script-side error (a KernelError keeps its errno); limits pass through. */
  const toScriptError = (e: unknown): VmCallResult<QuickJSHandle> => {
    if (e instanceof LimitHit) throw e;
    let name = 'Error';
    let errno = '';
    let message = String(e);
    let extra = '';
    if (e instanceof KernelError) {
      name = 'KernelError';
      errno = e.errno;
      message = e.message;
      // What the kernel returns beside the errno: a verifier log, the failing instruction and source line.
      const d = e.detail;
      if (d) {
        const pick: Record<string, unknown> = {};
        for (const k of ['log', 'insn', 'line']) if (typeof d[k] === 'string' || typeof d[k] === 'number') pick[k] = d[k];
        const at = locateError(e);
        if (at) pick['asm_at'] = at;
        if (Object.keys(pick).length) extra = JSON.stringify(pick);
      }
    } else if (e instanceof ScriptCallbackError) {
      name = e.errorHandleName;
      message = e.message;
    } else if (e instanceof Error) {
      name = ['TypeError', 'RangeError', 'SyntaxError'].includes(e.name) ? e.name : 'InternalError';
      message = e.message;
    }
    if (!makeError) return { error: vm.newError({ name, message }) };
    const args = [vm.newString(name), vm.newString(errno), vm.newString(message), vm.newString(extra)];
    const r = vm.callFunction(makeError, vm.undefined, ...args);
    for (const a of args) a.dispose();
    return r.error ? { error: r.error } : { error: r.value };
  };

  fn('write', (fd, text) => {
    try {
      fns.write(vm.getNumber(fd), vm.getString(text));
    } catch (e) {
      if (e instanceof LimitHit) return { error: vm.newError({ name: 'LimitError', message: `${e.limit} limit reached` }) };
      return toScriptError(e);
    }
  });
  fn('result', (json) => fns.result(vm.getString(json)));
  fn('progress', (fraction, message) => {
    try {
      fns.progress(vm.getNumber(fraction!), vm.getString(message!));
    } catch (e) {
      if (e instanceof LimitHit) return { error: vm.newError({ name: 'LimitError', message: `${e.limit} limit reached` }) };
      return toScriptError(e);
    }
  });
  fn('view', (kind, json) => {
    try {
      fns.view(vm.getString(kind!), vm.getString(json!));
    } catch (e) {
      return toScriptError(e);
    }
  });
  // Virtual time: the simulated machine's clock, standing at boot until a machine runs.
  fn('virtualNowMs', () => vm.newNumber(kernel ? kernel.now_ns() / 1e6 : 0));
  fn('register', (makeErrorFn, dispatchFn) => {
    makeError = makeErrorFn!.dup();
    bridge.setCallbackDispatcher(dispatchFn!);
  });
  /** A host result as a sandbox value: primitives as they are, anything else as bridge JSON. */
  const toHandle = (r: unknown): QuickJSHandle => {
    switch (typeof r) {
      case 'number':
        return vm.newNumber(r);
      case 'boolean':
        return r ? vm.true : vm.false;
      case 'undefined':
        return vm.undefined;
      case 'string':
        return vm.newString(r);
    }
    if (r instanceof TypedResult) {
      const pair = vm.newArray();
      const name = vm.newString(r.type);
      const copy = r.bytes.slice();
      const buf = vm.newArrayBuffer(copy.buffer);
      vm.setProp(pair, 0, name);
      vm.setProp(pair, 1, buf);
      name.dispose();
      buf.dispose();
      return pair;
    }
    return vm.null;
  };
  /** A typed array argument, copied out of the sandbox's memory in one go. */
  const typedArg = (h: QuickJSHandle): ArrayBufferView => {
    const ctor = vm.getProp(h, 'constructor');
    const nameH = vm.getProp(ctor, 'name');
    const name = vm.typeof(nameH) === 'string' ? vm.getString(nameH) : '';
    nameH.dispose();
    ctor.dispose();
    const Ctor = Object.hasOwn(TYPED_CTORS, name) ? TYPED_CTORS[name] : undefined;
    if (!Ctor) throw new TypeError('only numbers, strings, booleans, null, undefined and typed arrays pass this way');
    const bufH = vm.getProp(h, 'buffer');
    const num = (p: string): number => {
      const x = vm.getProp(h, p);
      const n = vm.typeof(x) === 'number' ? vm.getNumber(x) : NaN;
      x.dispose();
      return n;
    };
    const off = num('byteOffset');
    const len = num('byteLength');
    try {
      const view = vm.getArrayBuffer(bufH);
      try {
        const all = view.value;
        if (!(off >= 0 && len >= 0 && off + len <= all.byteLength)) throw new RangeError('typed array out of its buffer');
        return new Ctor(all.slice(off, off + len).buffer);
      } finally {
        view.dispose();
      }
    } finally {
      bufH.dispose();
    }
  };
  // The hot path: calls whose arguments are all numbers, strings, booleans, null, undefined or typed arrays,
  // without JSON: (mask, id, method, ...args), the mask giving each argument's type (see fastcall.ts). This is the
  // generic implementation; installFastCall() below serves the same calls faster where it can.
  const callPrimitive = (id: number, method: string | number, args: unknown[]): unknown => {
    depth++;
    try {
      return bridge.result(bridge.call(id, method, args));
    } finally {
      depth--;
      fns.engineCalled();
    }
  };
  // Calls with JSON-marshalled arguments (objects, handles, bigints, callbacks): argument code 7, one JSON text.
  const callJson = (id: number, method: string | number, json: string): unknown => {
    depth++;
    try {
      return bridge.result(bridge.invoke(id, method, json));
    } finally {
      depth--;
      fns.engineCalled();
    }
  };
  const invokeP = (mask: QuickJSHandle | undefined, id: QuickJSHandle | undefined, method: QuickJSHandle | undefined, ...args: QuickJSHandle[]): QuickJSHandle | VmCallResult<QuickJSHandle> => {
    try {
      // A negative mask: the method goes as its index (see the prelude's invoke0..3).
      let code = vm.getNumber(mask!);
      const m = code < 0 ? vm.getNumber(method!) : vm.getString(method!);
      if (code < 0) code = -1 - code;
      if (code === ARG_JSON) return toHandle(callJson(vm.getNumber(id!), m, vm.getString(args[0]!)));
      const host: unknown[] = args.map((h) => {
        switch (vm.typeof(h)) {
          case 'number':
            return vm.getNumber(h);
          case 'string':
            return vm.getString(h);
          case 'boolean':
            return vm.dump(h) as boolean;
          case 'object':
            return vm.eq(h, vm.null) ? null : typedArg(h);
          default:
            return undefined;
        }
      });
      return toHandle(callPrimitive(vm.getNumber(id!), m, host));
    } catch (e) {
      return toScriptError(e);
    }
  };
  fn('invokeP', invokeP);
  if (!process.env.KERNEL_LAB_NO_FASTCALL) {
    installFastCall(vm, invokeP, callPrimitive, callJson, toHandle, (e) => {
      const r = toScriptError(e);
      return 'error' in r && r.error ? r.error : vm.newError({ name: 'InternalError', message: String(e) });
    });
  }
  // Every machine counts against the run's memory budget until the run ends (the panels show each one then): a
  // boot that cannot fit is refused with ENOMEM, before it allocates when its frame array alone would not fit.
  fn('boot', (opts) => {
    try {
      const options = (bridge.fromWire(JSON.parse(vm.getString(opts!))) as BootOptions | undefined) ?? {};
      const held = kernels.reduce((n, k) => n + machineBytes(k), 0);
      const mem = options.memory;
      const what = `boot(${typeof mem === 'string' ? `{ memory: '${mem}' }` : typeof mem === 'number' ? `{ memory: ${mem} }` : ''})`;
      const refuse = (need: string): KernelError =>
        new KernelError(
          'ENOMEM',
          `run memory budget of ${mib(budget)} exceeded: ${what} needs ${need} and the run's ${kernels.length} machine${kernels.length === 1 ? '' : 's'} hold ${mib(held)} (machines stay until the run ends)`,
        );
      const floor = bootFloorBytes(options);
      if (held + floor > budget) throw refuse(`at least ${mib(floor)}`);
      const k = boot(options, {
        seed: req.seed,
        log: (line) => fns.write(1, line.endsWith('\n') ? line : line + '\n'),
        uringProbe: hostUringProbe,
        hostBtfIds,
        signal_pending: fns.signalPending,
      });
      const size = machineBytes(k);
      if (held + size > budget) throw refuse(mib(size));
      kernel = k;
      kernels.push(k);
      // The verifier can run for seconds with no interrupt check: say where, and what was loaded, first.
      const bpf = kernel.bpf;
      const progLoad = bpf.prog_load.bind(bpf);
      const verify = bpf.verify.bind(bpf);
      bpf.prog_load = (attr) => {
        fns.beforeLongCall();
        // prog_load({ c }): the session's compile (the host's clang), then the object as prog_load({ obj }).
        if (attr?.c !== undefined) {
          const { c, ...rest } = attr;
          const built = BPF_ORACLE.compile(bpf, { c, ...(attr.filename !== undefined ? { filename: attr.filename } : {}) });
          if (!built.ok) {
            const d = built.diagnostics.find((x) => x.severity === 'error' || x.severity === 'fatal error');
            throw new KernelError('EINVAL', `prog_load: ${built.why}${d ? `: ${d.file}:${d.line}:${d.col}: ${d.message}` : ''}`);
          }
          return progLoad({ ...rest, obj: built.object });
        }
        return progLoad(attr);
      };
      bpf.verify = (src) => {
        fns.beforeLongCall();
        return verify(src);
      };
      return toHandle(bridge.result(kernel));
    } catch (e) {
      return toScriptError(e);
    }
  });
  vm.setProp(vm.global, '__host', host);
  host.dispose();
  const dispose = bridge.dispose.bind(bridge);
  bridge.dispose = () => {
    makeError?.dispose();
    dispose();
  };
  return { bridge, kernels, engineDepth: () => depth, locate, scriptLines };
}

/** The script's line:column now (from inside a host call): its innermost frame in the script's file. */
function scriptWhere(vm: QuickJSContext, filename: string, remap: Remap): SourceLocation | undefined {
  const r = vm.evalCode('new Error().stack', '<where>');
  if (r.error) {
    r.error.dispose();
    return undefined;
  }
  const stack = vm.typeof(r.value) === 'string' ? vm.getString(r.value) : '';
  r.value.dispose();
  return firstLocation(remapStack(stack, filename, remap), filename);
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

function limitError(limit: LimitName | 'stopped', limits: DefaultRunLimits = DEFAULT_LIMITS): RunError {
  const mib = (n: number): string => `${Math.round((n / 1048576) * 10) / 10} MiB`;
  switch (limit) {
    case 'stopped':
      return { kind: 'stopped', name: 'Stopped', message: 'the run was stopped' };
    case 'timeout':
      return { kind: 'limit', limit, name: 'LimitError', message: `time limit reached: the run took longer than its ${limits.timeoutMs} ms deadline` };
    case 'memory':
      return { kind: 'limit', limit, name: 'LimitError', message: `memory limit reached: the script's heap grew past its ${mib(limits.memoryBytes)} cap` };
    case 'stack':
      return { kind: 'limit', limit, name: 'LimitError', message: `stack limit reached: recursion too deep for the ${mib(limits.stackBytes)} stack` };
    case 'output':
      return { kind: 'limit', limit, name: 'LimitError', message: `output limit reached: the script printed more than ${mib(limits.outputBytes)}` };
    case 'watchdog':
      return { kind: 'limit', limit, name: 'LimitError', message: 'the run stopped responding and was terminated by the watchdog' };
  }
}

/** Turns a QuickJS exception into the contract's RunError, with the script's line:column. */
function toRunError(
  vm: QuickJSContext,
  handle: QuickJSHandle,
  filename: string,
  hit: LimitName | 'stopped' | undefined,
  limits: DefaultRunLimits,
  remap: Remap,
): RunError {
  const dumped = vm.dump(handle) as unknown;
  const obj: Record<string, unknown> =
    dumped && typeof dumped === 'object' ? (dumped as Record<string, unknown>) : { name: 'Error', message: String(dumped) };
  const name = typeof obj.name === 'string' ? obj.name : 'Error';
  const message = typeof obj.message === 'string' ? obj.message : String(dumped);
  const rawStack = remapStack(typeof obj.stack === 'string' ? obj.stack : '', filename, remap);
  const stack = trimStack(rawStack, filename);
  // A BPF load's assembly error or failing line: where the program's literal has it, not the prog_load() call.
  const asmAt = obj.asm_at as { line?: unknown; column?: unknown } | undefined;
  const location =
    asmAt && typeof asmAt.line === 'number' && typeof asmAt.column === 'number'
      ? { file: filename, line: asmAt.line, column: asmAt.column }
      : firstLocation(rawStack, filename);
  const base = { ...(location ? { location } : {}), ...(stack ? { stack } : {}) };

  if (hit) return { ...limitError(hit, limits), ...base };
  if (name === 'InternalError' && message === 'interrupted') return { ...limitError('timeout', limits), ...base };
  if (name === 'InternalError' && /stack overflow/.test(message)) return { ...limitError('stack', limits), ...base };
  if (name === 'InternalError' && /out of memory/.test(message)) return { ...limitError('memory', limits), ...base };
  return {
    kind: name === 'SyntaxError' ? 'syntax' : 'script',
    name,
    message,
    ...(typeof obj.errno === 'string' ? { errno: obj.errno } : {}),
    ...base,
  };
}

const FRAME = /(?:\(|at )([^()\s]+):(\d+):(\d+)\)?\s*$/;

type Remap = (line: number, column: number) => { line: number; column: number };

/** Takes the script's frames from the loop-marked code back to the script's own columns. */
function remapStack(stack: string, filename: string, remap: Remap): string {
  return stack
    .split('\n')
    .map((l) =>
      l.replace(/([^()\s]+):(\d+):(\d+)(\)?\s*)$/, (all, file: string, line: string, col: string, tail: string) => {
        if (file !== filename) return all;
        const p = remap(Number(line), Number(col));
        return `${file}:${p.line}:${p.column}${tail}`;
      }),
    )
    .join('\n');
}

function firstLocation(stack: string, filename: string): SourceLocation | undefined {
  for (const line of stack.split('\n')) {
    const m = FRAME.exec(line);
    if (m && m[1] === filename) return { file: filename, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

/** Keeps the script's frames, folds repeats (deep recursion) and caps the length. */
function trimStack(stack: string, filename: string): string {
  const frames = stack
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.includes(PRELUDE_FILENAME));
  const out: string[] = [];
  let i = 0;
  while (i < frames.length && out.length < MAX_STACK_FRAMES) {
    let j = i + 1;
    while (j < frames.length && frames[j] === frames[i]) j++;
    out.push(j - i > 1 ? `${frames[i]} (×${j - i})` : frames[i]!);
    i = j;
  }
  if (i < frames.length) out.push(`... ${frames.length - i} more frames`);
  return out.filter((l) => l.includes(filename) || l.startsWith('...') || l.includes('<eval>')).join('\n');
}

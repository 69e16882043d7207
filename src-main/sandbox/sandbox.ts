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
import { transform } from 'sucrase';
import { Prng } from '../engines/common/prng';
import {
  DEFAULT_LIMITS,
  type LimitName,
  type RunError,
  type RunLimits,
  type RunRequestParsed,
  type RunStats,
  type SourceLocation,
} from '../contract';
import { PRELUDE, PRELUDE_FILENAME } from './prelude';

/** Where the sandbox sends what a script prints and reports. */
export interface SandboxSink {
  output(stream: 'stdout' | 'stderr', text: string): void;
  progress(fraction: number | undefined, message: string): void;
}

export interface SandboxOutcome {
  ok: boolean;
  result?: unknown;
  error?: RunError;
  stats: RunStats;
}

/** The virtual epoch of Date.now() in the sandbox: the Unix time the simulated machine boots at. */
export const VIRTUAL_EPOCH_MS = Date.UTC(2023, 0, 1);

/** How often (in interrupt-handler calls) the sandbox flushes output and checks the heap. */
const FLUSH_INTERVAL_MS = 30;
const MAX_STACK_FRAMES = 12;
const MAX_JOBS_PER_TURN = 1000;

let modulePromise: Promise<QuickJSWASMModule> | undefined;
/** One WebAssembly module per thread: each run gets a fresh runtime in it; a worker serves one run. */
function quickjsModule(): Promise<QuickJSWASMModule> {
  modulePromise ??= newQuickJSWASMModule();
  return modulePromise;
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

/** Transpiles a TypeScript script to JavaScript, keeping every line where it was (sucrase preserves lines). */
export function transpile(code: string, language: 'javascript' | 'typescript', filename: string): string {
  if (language === 'javascript') return code;
  try {
    return transform(code, { transforms: ['typescript'], disableESTransforms: true, filePath: filename }).code;
  } catch (e) {
    const err = e as Error & { loc?: { line: number; column: number } };
    const se = new SyntaxError(err.message.replace(/\s*\(\d+:\d+\)$/, ''));
    (se as SyntaxError & { location?: SourceLocation }).location = err.loc
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
  const limits: Required<RunLimits> = { ...DEFAULT_LIMITS, ...req.limits };
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

  const flush = (): void => {
    if (pending) sink.output(pendingStream, pending);
    pending = '';
    lastFlush = performance.now();
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
    const se = e as SyntaxError & { location?: SourceLocation };
    return finish({
      kind: 'syntax',
      name: 'SyntaxError',
      message: se.message,
      ...(se.location ? { location: se.location } : {}),
    });
  }

  const runtime: QuickJSRuntime = module.newRuntime();
  runtime.setMemoryLimit(limits.memoryBytes);
  runtime.setMaxStackSize(limits.stackBytes);
  const vm: QuickJSContext = runtime.newContext();

  try {
    installHost(vm, req, {
      write: (fd, text) => write(fd === 2 ? 'stderr' : 'stdout', text),
      result: (json) => {
        resultJson = json;
      },
      progress: (fraction, message) => {
        flush();
        sink.progress(fraction >= 0 && fraction <= 1 ? fraction : undefined, message);
      },
    });
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
      if (now - lastFlush > FLUSH_INTERVAL_MS) flush();
      return hit !== undefined;
    });

    const evaluated = vm.evalCode(code, req.filename, { type: 'global' });
    let error: RunError | undefined;
    if (evaluated.error) {
      error = toRunError(vm, evaluated.error, req.filename, hit, limits);
      evaluated.error.dispose();
    } else {
      error = settle(vm, runtime, evaluated.value, req.filename, () => hit, limits);
    }
    flush();
    return finish(error);
  } catch (e) {
    flush();
    if (e instanceof LimitHit) return finish(limitError(e.limit, limits));
    return finish({ kind: 'internal', name: 'InternalError', message: (e as Error).message });
  } finally {
    try {
      vm.dispose();
      runtime.dispose();
    } catch {
      // A runtime interrupted mid-allocation may not free cleanly; the worker ends with the run anyway.
    }
  }

  function finish(error: RunError | undefined): SandboxOutcome {
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
    return error
      ? { ok: false, error, stats, ...(result !== undefined ? { result } : {}) }
      : { ok: true, stats, ...(result !== undefined ? { result } : {}) };
  }
}

interface HostFns {
  write(fd: number, text: string): void;
  result(json: string): void;
  progress(fraction: number, message: string): void;
}

/** Installs `globalThis.__host`, which the prelude captures and deletes. */
function installHost(vm: QuickJSContext, req: RunRequestParsed, fns: HostFns): void {
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
  setNum('epochMs', VIRTUAL_EPOCH_MS);
  const fn = (name: string, impl: (...args: QuickJSHandle[]) => QuickJSHandle | void): void => {
    const h = vm.newFunction(name, impl);
    vm.setProp(host, name, h);
    h.dispose();
  };
  const hostError = (e: unknown): QuickJSHandle => {
    if (e instanceof LimitHit) throw e; // a limit ends the run: the interrupt handler takes over
    return vm.newError({ name: 'Error', message: (e as Error).message });
  };
  fn('write', (fd, text) => {
    try {
      fns.write(vm.getNumber(fd), vm.getString(text));
    } catch (e) {
      if (e instanceof LimitHit) return vm.newError({ name: 'LimitError', message: `${e.limit} limit reached` });
      return hostError(e);
    }
  });
  fn('result', (json) => fns.result(vm.getString(json)));
  fn('progress', (fraction, message) => fns.progress(vm.getNumber(fraction), vm.getString(message)));
  // Virtual time: the simulated machine's clock. Until the engines drive it, it stands at boot.
  fn('virtualNowMs', () => vm.newNumber(0));
  vm.setProp(vm.global, '__host', host);
  host.dispose();
}

/** Runs pending jobs until the script's value (a promise, for async scripts) settles, or a limit hits. */
function settle(
  vm: QuickJSContext,
  runtime: QuickJSRuntime,
  value: QuickJSHandle,
  filename: string,
  hit: () => LimitName | 'stopped' | undefined,
  limits: Required<RunLimits>,
): RunError | undefined {
  try {
    for (;;) {
      const jobs = runtime.executePendingJobs(MAX_JOBS_PER_TURN);
      if (jobs.error) {
        const err = toRunError(vm, jobs.error, filename, hit(), limits);
        jobs.error.dispose();
        return err;
      }
      const h = hit();
      if (h) return limitError(h, limits);
      if (!runtime.hasPendingJob()) break;
    }
    const state = vm.getPromiseState(value);
    if (state.type === 'rejected') {
      const err = toRunError(vm, state.error, filename, hit(), limits);
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

function limitError(limit: LimitName | 'stopped', limits: Required<RunLimits> = DEFAULT_LIMITS): RunError {
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
  limits: Required<RunLimits>,
): RunError {
  const dumped = vm.dump(handle) as unknown;
  const obj: Record<string, unknown> =
    dumped && typeof dumped === 'object' ? (dumped as Record<string, unknown>) : { name: 'Error', message: String(dumped) };
  const name = typeof obj.name === 'string' ? obj.name : 'Error';
  const message = typeof obj.message === 'string' ? obj.message : String(dumped);
  const rawStack = typeof obj.stack === 'string' ? obj.stack : '';
  const stack = trimStack(rawStack, filename);
  const location = firstLocation(rawStack, filename);
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

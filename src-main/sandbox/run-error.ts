/**
 * How a run ends abnormally: the limits (LimitHit, limitError) and a QuickJS exception turned into the contract's
 * RunError with the script's own line:column (toRunError, the stack remapped and trimmed). Models no kernel
 * source: these are the sandbox's own errors (a KernelError's errno passes through as the script saw it).
 */
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';
import type { LimitName, RunError, SourceLocation } from '../contract';
import { DEFAULT_LIMITS, type DefaultRunLimits } from '../contract-limits';
import { PRELUDE_FILENAME } from './prelude';

const MAX_STACK_FRAMES = 12;

export class LimitHit extends Error {
  constructor(readonly limit: LimitName | 'stopped') {
    super(limit);
  }
}

/** The script's line:column now (from inside a host call): its innermost frame in the script's file. */
export function scriptWhere(vm: QuickJSContext, filename: string, remap: Remap): SourceLocation | undefined {
  const r = vm.evalCode('new Error().stack', '<where>');
  if (r.error) {
    r.error.dispose();
    return undefined;
  }
  const stack = vm.typeof(r.value) === 'string' ? vm.getString(r.value) : '';
  r.value.dispose();
  return firstLocation(remapStack(stack, filename, remap), filename);
}

export function limitError(limit: LimitName | 'stopped', limits: DefaultRunLimits = DEFAULT_LIMITS): RunError {
  const mib = (n: number): string => `${Math.round((n / 1048576) * 10) / 10} MiB`;
  switch (limit) {
    case 'stopped':
      return { kind: 'stopped', name: 'Stopped', message: 'the run was stopped' };
    case 'timeout':
      return {
        kind: 'limit',
        limit,
        name: 'LimitError',
        message: `time limit reached: the run took longer than its ${limits.timeoutMs} ms deadline`,
      };
    case 'memory':
      return {
        kind: 'limit',
        limit,
        name: 'LimitError',
        message: `memory limit reached: the script's heap grew past its ${mib(limits.memoryBytes)} cap`,
      };
    case 'stack':
      return {
        kind: 'limit',
        limit,
        name: 'LimitError',
        message: `stack limit reached: recursion too deep for the ${mib(limits.stackBytes)} stack`,
      };
    case 'output':
      return {
        kind: 'limit',
        limit,
        name: 'LimitError',
        message: `output limit reached: the script printed more than ${mib(limits.outputBytes)}`,
      };
    case 'watchdog':
      return {
        kind: 'limit',
        limit,
        name: 'LimitError',
        message: 'the run stopped responding and was terminated by the watchdog',
      };
  }
}

/** Turns a QuickJS exception into the contract's RunError, with the script's line:column. */
export function toRunError(
  vm: QuickJSContext,
  handle: QuickJSHandle,
  filename: string,
  hit: LimitName | 'stopped' | undefined,
  limits: DefaultRunLimits,
  remap: Remap,
): RunError {
  const dumped = vm.dump(handle) as unknown;
  const obj: Record<string, unknown> =
    dumped && typeof dumped === 'object'
      ? (dumped as Record<string, unknown>)
      : { name: 'Error', message: String(dumped) };
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

export type Remap = (line: number, column: number) => { line: number; column: number };

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

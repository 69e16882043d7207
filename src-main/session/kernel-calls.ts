/**
 * A run's kernel calls (k.bpf.kernel_verify, k.bpf.kernel_test_run), served on the main side (issue 22). The
 * worker that runs the script has no oracle of its own: it posts each call on a MessagePort and blocks until the
 * answer comes back (worker-kernel.ts). Here the session decides whether the run may reach the kernel at all
 * (the person at the keyboard allowed it; never for a lab check or an imported session), the oracle's allow-list
 * decides what may load and run, and the native helper runs as a child of this thread, so that Stop, the end of
 * the run or the worker's termination kill it (SIGKILL) and with it the program's test run in the kernel.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Errno } from '../engines/common/errors';
import { compileBpfC, COMPILE_TIMEOUT_MS, findClang } from '../clang/bpf-clang';
import { HelperKilledError } from '../oracle/native';
import {
  KernelPolicyError,
  kernelOracle,
  OracleUnavailableError,
  type KernelOracle,
  type KernelVerifyArg,
} from '../oracle/index';

/** Whether a run may reach the kernel, or the EPERM message saying why not and how to turn it on. */
export type KernelPermit = { allowed: true } | { allowed: false; why: string };

/** A kernel call from the worker. */
export interface KernelCallRequest {
  method: 'kernel_verify' | 'kernel_test_run' | 'bpf_compile';
  arg: unknown;
  opts?: unknown;
}

/** Its answer. */
export type KernelCallReply = { ok: true; value: unknown } | { ok: false; errno: Errno; message: string };

/** How a session serves its run's kernel calls. */
export interface KernelCallOptions {
  /** Asked at every kernel call: whether this run may reach the kernel. */
  permit: () => KernelPermit;
  /** Aborted when the run is stopped or ends: kills the helper of a call in flight. */
  signal: AbortSignal;
  /** A call's helper is killed past this (the run cannot outlive its deadline anyway). */
  timeoutMs: number;
  /** For tests; default: this machine's oracle. */
  oracle?: KernelOracle;
  /** Include directories of a C compile after the project's headers (the workspace's folder). */
  includeDirs?: () => readonly string[];
}

let shared: KernelOracle | undefined;

/** Answers one kernel call (never throws). */
export async function kernelCall(req: KernelCallRequest, opts: KernelCallOptions): Promise<KernelCallReply> {
  const what = req.method;
  // A C compile asks no kernel: the host's clang, under the run's deadline and Stop (bpf-clang.ts).
  if (what === 'bpf_compile') return bpfCompile(req.arg, opts);
  const permit = opts.permit();
  if (!permit.allowed) return { ok: false, errno: 'EPERM', message: `${what}: ${permit.why}` };
  if (opts.signal.aborted) return { ok: false, errno: 'EINTR', message: `${what}: the run was stopped` };
  const oracle = opts.oracle ?? (shared ??= kernelOracle());
  const available = oracle.available();
  if (!available.ok)
    return { ok: false, errno: 'EOPNOTSUPP', message: `${what}: the kernel cannot be asked here: ${available.why}` };
  const control = { signal: opts.signal, timeoutMs: opts.timeoutMs };
  try {
    const value =
      what === 'kernel_verify'
        ? await oracle.kernelVerifyAsync(req.arg as KernelVerifyArg, control)
        : await oracle.kernelTestRunAsync(req.arg as KernelVerifyArg, (req.opts ?? {}) as never, control);
    return { ok: true, value };
  } catch (e) {
    const err = e as Error;
    if (e instanceof KernelPolicyError)
      return {
        ok: false,
        errno: 'EPERM',
        message: `${what}: refused by the kernel oracle's allow-list: ${err.message}`,
      };
    if (e instanceof HelperKilledError)
      return { ok: false, errno: e.reason === 'aborted' ? 'EINTR' : 'ETIMEDOUT', message: `${what}: ${err.message}` };
    if (e instanceof OracleUnavailableError)
      return { ok: false, errno: 'EOPNOTSUPP', message: `${what}: ${err.message}` };
    return { ok: false, errno: 'EINVAL', message: `${what}: ${err.message}` };
  }
}

/** k.bpf.compile(): `{ c, filename }` compiled by the host's clang; EOPNOTSUPP saying why where there is none. */
async function bpfCompile(arg: unknown, opts: KernelCallOptions): Promise<KernelCallReply> {
  const a = (arg ?? {}) as { c?: unknown; filename?: unknown };
  if (typeof a.c !== 'string')
    return { ok: false, errno: 'EINVAL', message: 'compile: give the C source as { c: string }' };
  const found = findClang();
  if (!found.ok) return { ok: false, errno: 'EOPNOTSUPP', message: `compile: ${found.why}` };
  const r = await compileBpfC(a.c, {
    ...(typeof a.filename === 'string' ? { filename: a.filename } : {}),
    includeDirs: opts.includeDirs?.() ?? [],
    timeoutMs: Math.min(opts.timeoutMs, COMPILE_TIMEOUT_MS),
    signal: opts.signal,
    clang: found.path,
  });
  return { ok: true, value: r };
}

/**
 * Serves the worker's kernel calls on `port`: each answer is posted back, then `ready` (an Int32 the worker
 * waits on) is set to 1 and notified.
 */
export function serveKernelCalls(port: MessagePort, ready: Int32Array, opts: KernelCallOptions): void {
  port.on('message', (req: KernelCallRequest) => {
    void kernelCall(req, opts).then((reply) => {
      try {
        port.postMessage(reply);
      } catch (e) {
        port.postMessage({
          ok: false,
          errno: 'EINVAL',
          message: `${req.method}: the kernel's answer could not be sent: ${(e as Error).message}`,
        } satisfies KernelCallReply);
      }
      Atomics.store(ready, 0, 1);
      Atomics.notify(ready, 0);
    });
  });
}

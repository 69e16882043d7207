/**
 * The sandbox's host side: `globalThis.__host`, the calls a script's prelude makes into the main side (output,
 * progress, views, virtual time, boot() and the engine bridge). Models no kernel source of its own: boot() is the
 * engines' (src-main/engines/kernel.ts) and the errnos it passes on are theirs.
 */
import type { QuickJSContext, QuickJSHandle, VmCallResult } from 'quickjs-emscripten';
import { Prng } from '../engines/common/prng';
import type { RunRequestParsed } from '../contract';
import { Bridge, ScriptCallbackError, TYPED_CTORS, TypedResult } from './bridge';
import { CLASS_BINDINGS } from './bindings';
import { KernelError } from '../engines/common/errors';
import { boot, type BootOptions, type BpfLoadRecord, type Kernel } from '../engines/kernel';
import { asmScriptLines, asmScriptPosition, type ScriptPosition } from './asm-source';
import { BPF_ORACLE, hostBtfIds, hostUringProbe } from './oracle-bindings';
import { ARG_JSON, installFastCall } from './fastcall';
import { bootFloorBytes, machineBytes, mib } from './machine-memory';
import { LimitHit } from './run-error';

/** The virtual epoch of Date.now() in the sandbox: the Unix time the simulated machine boots at. */
export const VIRTUAL_EPOCH_MS = Date.UTC(2023, 0, 1);

export interface HostFns {
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
export function installHost(
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
  const fn = (
    name: string,
    impl: (...args: QuickJSHandle[]) => QuickJSHandle | VmCallResult<QuickJSHandle> | void,
  ): void => {
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
    typeof rec.attr.asm === 'string'
      ? asmScriptLines(req.code, req.language === 'typescript', rec.attr.asm, asmLines)
      : undefined;
  const locateError = (e: KernelError): ScriptPosition | undefined => {
    for (const k of kernels)
      for (let i = k.bpf_loads.length - 1; i >= 0; i--) if (k.bpf_loads[i]!.error === e) return locate(k.bpf_loads[i]!);
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
        for (const k of ['log', 'insn', 'line'])
          if (typeof d[k] === 'string' || typeof d[k] === 'number') pick[k] = d[k];
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
      if (e instanceof LimitHit)
        return { error: vm.newError({ name: 'LimitError', message: `${e.limit} limit reached` }) };
      return toScriptError(e);
    }
  });
  fn('result', (json) => fns.result(vm.getString(json)));
  fn('progress', (fraction, message) => {
    try {
      fns.progress(vm.getNumber(fraction!), vm.getString(message!));
    } catch (e) {
      if (e instanceof LimitHit)
        return { error: vm.newError({ name: 'LimitError', message: `${e.limit} limit reached` }) };
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
        if (!(off >= 0 && len >= 0 && off + len <= all.byteLength))
          throw new RangeError('typed array out of its buffer');
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
  const invokeP = (
    mask: QuickJSHandle | undefined,
    id: QuickJSHandle | undefined,
    method: QuickJSHandle | undefined,
    ...args: QuickJSHandle[]
  ): QuickJSHandle | VmCallResult<QuickJSHandle> => {
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
          const built = BPF_ORACLE.compile(bpf, {
            c,
            ...(attr.filename !== undefined ? { filename: attr.filename } : {}),
          });
          if (!built.ok) {
            const d = built.diagnostics.find((x) => x.severity === 'error' || x.severity === 'fatal error');
            throw new KernelError(
              'EINVAL',
              `prog_load: ${built.why}${d ? `: ${d.file}:${d.line}:${d.col}: ${d.message}` : ''}`,
            );
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

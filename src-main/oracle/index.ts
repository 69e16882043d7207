/**
 * The running kernel as an oracle (issue 10): load programs with the kernel's own verifier (BPF_PROG_LOAD),
 * run them with BPF_PROG_TEST_RUN, read this machine's direct map counters, fault memfd_secret pages and measure
 * io_uring, so that the simulators can be checked against the Linux they model. Everything goes through the
 * native helper (native/kernel-oracle.c, built with cc on first use). Where Linux, privileges, a compiler or BTF
 * are missing, bpf() is refused (lockdown), or KERNEL_LAB_ORACLE=off, available() says why in one line and every
 * entry point throws OracleUnavailableError with that line. kfuncs are matched by name through the kernel's BTF:
 * the model's own ids (engines/bpf/vmlinux_btf.ts) are never taken for a kernel build's.
 */
import { readFileSync } from 'node:fs';
import { createBpf, KFUNC_BTF_ID } from '../engines/bpf';
import { assembleKernel } from '../engines/bpf';
import { encodeInsns } from '../engines/bpf';
import { calibrateCosts } from '../engines/ublk';
import { vmlinuxBtf } from './btf';
import type { Btf } from './btf';
import { directMapDelta, parseDirectMapSnapshot, readDirectMap } from './direct-map';
import type { DirectMapSnapshot } from './direct-map';
import { buildHelper, fromHex, OracleUnavailableError, request, runHelper, runHelperAsync } from './native';
import type { HelperResponse } from './native';
import { BPF_F } from '../engines/bpf';
import {
  BPF_PROG_TYPE,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  errnoName,
  mapTypeNumber,
  progTypeNumber,
} from './uapi';
import { firstErrorLine, processedInsns } from './verifier-log';
import { KernelPolicyError, mapRefusal, programRefusal } from './policy';
import { simulateSecretProbe } from './secret-sim';
import type {
  OracleAvailability,
  KernelMapSpec,
  KernelProgram,
  KernelLoadOpts,
  KernelVerdict,
  KernelTestRunOpts,
  KernelTestRun,
  KernelCallControl,
  KernelVerifyArg,
  KernelJob,
  SecretProbe,
  UringProbe,
  KernelOracle,
} from './types';

export { OracleUnavailableError } from './native';
export { KernelPolicyError, LOAD_PROG_TYPES, MAP_TYPES, MAX_REPEAT, RUN_HELPERS, RUN_PROG_TYPES } from './policy';
export { Btf, BTF_KIND, vmlinuxBtf } from './btf';
export type { BtfType } from './btf';
export type { DirectMapSnapshot } from './direct-map';
export { firstErrorLine, kfuncIdsByName } from './verifier-log';
export { simulateSecretProbe } from './secret-sim';
export type { SimulatedSecretProbe } from './secret-sim';
export { conformanceDiff } from './conformance-diff';
export type { ConformanceDiffCase, ConformanceDiffSummary } from './conformance-diff';
export { randomDiff, randomProgram } from './random-programs';
export type { RandomDiffSummary } from './random-programs';
export { ITER_CORPUS } from './iter-corpus';
export type { IterCase } from './iter-corpus';
export { alignLogs, compareVerdicts } from './log-compare';
export type { LogRow, SimVerdict, VerdictComparison } from './log-compare';

export type {
  OracleAvailability,
  KernelMapSpec,
  KernelProgram,
  KernelLoadOpts,
  KernelVerdict,
  KernelTestRunOpts,
  KernelTestRun,
  KernelCallControl,
  KernelVerifyArg,
  KernelJob,
  SecretProbe,
  UringProbe,
  KernelOracle,
} from './types';

const SOCKET_FILTER = BPF_PROG_TYPE['BPF_PROG_TYPE_SOCKET_FILTER']!;
const EPERM = 1;
const ENOENT = 2;

/** What one job sent to the helper: its map requests, whether a test run follows, or the allow-list's refusal. */
interface Shape {
  maps: number;
  run: boolean;
  /** The map_lookup requests after the run: the map's fd and how many keys. */
  reads: { fd: number; n: number }[];
  refused?: string;
  runRefused?: string;
}
const SYSCALL = BPF_PROG_TYPE['BPF_PROG_TYPE_SYSCALL']!;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

/** The environment variable that turns every path asking the running kernel off (`KERNEL_LAB_ORACLE=off`). */
export const ORACLE_ENV = 'KERNEL_LAB_ORACLE';

/** 'KERNEL_LAB_ORACLE=off' when the environment turns the oracle off, else undefined. */
export function oracleDisabled(): string | undefined {
  return process.env[ORACLE_ENV] === 'off' ? `${ORACLE_ENV}=off` : undefined;
}

/** The kernel's lockdown mode (security/lockdown: `none [integrity] confidentiality`), or undefined where unreadable. */
function lockdownMode(): string | undefined {
  try {
    return /\[(\w+)\]/.exec(readFileSync('/sys/kernel/security/lockdown', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

function checkPrivileges(): string | undefined {
  if (process.geteuid?.() === 0) return undefined;
  try {
    const m = /^CapEff:\s+([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    const eff = m ? BigInt(`0x${m[1]}`) : 0n;
    if ((eff >> CAP_BPF) & 1n && (eff >> CAP_PERFMON) & 1n) return undefined;
  } catch {
    // fall through
  }
  return `loading BPF programs needs root or CAP_BPF+CAP_PERFMON (running as uid ${process.geteuid?.() ?? '?'})`;
}

/** The program's bytes; assembly names kfuncs the engine knows, and any other kfunc of this kernel's BTF. */
function bytesOf(prog: KernelProgram, kernelKfunc: (name: string) => number | undefined): Uint8Array {
  if (typeof prog === 'string') {
    if (/%r\d/.test(prog)) return encodeInsns(createBpf().assemble(prog, { syntax: 'ubpf' }).insns);
    const engine = createBpf();
    const helpers = new Map([...engine.helpers.values()].map((h) => [h.name, h.id]));
    const kfuncs = new Map([...engine.kfuncs.values()].map((k) => [k.name, k.id]));
    return encodeInsns(
      assembleKernel(prog, {
        helperId: (n) => helpers.get(n) ?? helpers.get(`bpf_${n}`),
        kfuncId: (n) => kfuncs.get(n) ?? kernelKfunc(n),
      }).insns,
    );
  }
  if (prog instanceof Uint8Array) {
    if (prog.length % 8 !== 0)
      throw new OracleUnavailableError(`program of ${prog.length} bytes is not a whole number of instructions`);
    return Uint8Array.from(prog);
  }
  return encodeInsns(prog);
}

/** Rewrites kfunc imms to this kernel's BTF ids and map fds to fd_array indexes; returns the maps in index order. */
export function patchProgram(
  bytes: Uint8Array,
  opts: KernelLoadOpts,
  kfuncId: (name: string) => number | undefined,
): KernelMapSpec[] {
  const kfuncs: Record<number, string> =
    opts.kfuncs ?? Object.fromEntries(Object.entries(KFUNC_BTF_ID).map(([name, id]) => [id, name]));
  const fds = Object.keys(opts.maps ?? {}).map(Number);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let p = 0; p < bytes.length; p += 8) {
    const code = bytes[p]!;
    const src = bytes[p + 1]! >> 4;
    const imm = dv.getInt32(p + 4, true);
    if (code === 0x85 && src === BPF_PSEUDO_KFUNC_CALL) {
      const name = kfuncs[imm];
      if (name === undefined) continue;
      const id = kfuncId(name);
      if (id === undefined) throw new OracleUnavailableError(`kfunc ${name} does not exist on this kernel`);
      dv.setInt32(p + 4, id, true);
    } else if (code === 0x18) {
      if (src === BPF_PSEUDO_MAP_FD || src === BPF_PSEUDO_MAP_VALUE) {
        const idx = fds.indexOf(imm);
        if (idx >= 0) {
          bytes[p + 1] =
            (bytes[p + 1]! & 0x0f) | ((src === BPF_PSEUDO_MAP_FD ? BPF_PSEUDO_MAP_IDX : BPF_PSEUDO_MAP_IDX_VALUE) << 4);
          dv.setInt32(p + 4, idx, true);
        }
      }
      p += 8; // second slot of ld_imm64
    }
  }
  return fds.map((fd) => opts.maps![fd]!);
}

function splitArg(arg: KernelVerifyArg): [KernelProgram, KernelLoadOpts] {
  if (typeof arg === 'string') return [arg, {}];
  const { insns, asm, ...opts } = arg;
  const prog = asm ?? insns;
  if (prog === undefined) throw new OracleUnavailableError('kernel_verify: give insns or asm');
  return [prog, opts];
}

function verdictOf(r: HelperResponse): KernelVerdict {
  const log = Buffer.from(fromHex(r.fields['log'])).toString('utf8');
  const errno = r.ok ? 0 : Number(r.fields['errno'] ?? 0);
  const v: KernelVerdict = { ok: r.ok, errno, errno_name: errnoName(errno), log };
  const truncated = r.fields['truncated'] === '1';
  if (!r.ok) {
    // A truncated log holds the tail of what the verifier wrote: its first line is cut.
    const first = firstErrorLine(truncated ? log.slice(log.indexOf('\n') + 1) : log);
    if (first !== undefined) v.first_error = first;
  }
  const processed = processedInsns(log);
  if (processed !== undefined) v.processed = processed;
  if (truncated) v.log_truncated = true;
  if (r.fields['jited_len'] !== undefined) v.jited_prog_len = Number(r.fields['jited_len']);
  if (r.fields['xlated_len'] !== undefined) v.xlated_prog_len = Number(r.fields['xlated_len']);
  return v;
}

function helperError(r: HelperResponse): string {
  const errno = Number(r.fields['errno'] ?? 0);
  return `${r.fields['what'] ?? 'request'} failed: ${errnoName(errno) || 'error'} (${errno})`;
}

function meanNs(r: HelperResponse, what: string): number {
  if (!r.ok) throw new OracleUnavailableError(`io_uring probe (${what}): ${helperError(r)}`);
  return Number(r.fields['ns_per_op']);
}

/** Options of kernelOracle(): the platform is overridable so that the other-OS path can be tested. */
export interface KernelOracleOptions {
  platform?: NodeJS.Platform;
  /**
   * The project's own program corpora (tests, the differential tools), never a script's: their test runs may
   * also call kfuncs and use loops the verifier does not bound (policy.ts). Everything else of the allow-list holds.
   */
  trustedPrograms?: boolean;
}

/** The refusal in the scripting shape: a KernelPolicyError naming what was refused. */
function refusedOrResult<T extends KernelVerdict | KernelTestRun>(r: T): T {
  const why = 'refused' in r && r.refused !== undefined ? r.refused : 'verdict' in r ? r.verdict.refused : undefined;
  if (why !== undefined) throw new KernelPolicyError(why);
  return r;
}

class Oracle implements KernelOracle {
  private availability?: OracleAvailability;
  private readonly platform: NodeJS.Platform;
  private readonly trusted: boolean;

  constructor(opts: KernelOracleOptions) {
    this.platform = opts.platform ?? process.platform;
    this.trusted = opts.trustedPrograms === true;
  }

  available(): OracleAvailability {
    if (this.availability) return this.availability;
    const why = this.probe();
    this.availability = why === undefined ? { ok: true } : { ok: false, why };
    return this.availability;
  }

  private probe(): string | undefined {
    if (this.platform !== 'linux') return `the kernel oracle needs Linux (this is ${this.platform})`;
    const off = oracleDisabled();
    if (off) return off;
    const priv = checkPrivileges();
    if (priv) return priv;
    try {
      vmlinuxBtf();
    } catch (e) {
      return (e as Error).message;
    }
    const b = buildHelper();
    if (!b.ok) return b.why;
    try {
      const [, load] = runHelper([
        'reset',
        request('prog_load', {
          type: SOCKET_FILTER,
          insns: encodeInsns([
            { code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0 },
            { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 },
          ]),
          log_size: 0,
        }),
      ]);
      if (!load!.ok) {
        const lockdown = lockdownMode();
        const why = lockdown && lockdown !== 'none' ? ` (kernel lockdown: ${lockdown})` : '';
        return `bpf(BPF_PROG_LOAD) is not permitted here: ${errnoName(Number(load!.fields['errno']))}${why}`;
      }
    } catch (e) {
      return (e as Error).message;
    }
    return undefined;
  }

  private require(): void {
    const a = this.available();
    if (!a.ok) throw new OracleUnavailableError(a.why);
  }

  btf(): Btf {
    if (this.platform !== 'linux')
      throw new OracleUnavailableError(`kernel BTF needs Linux (this is ${this.platform})`);
    const off = oracleDisabled();
    if (off) throw new OracleUnavailableError(off);
    try {
      return vmlinuxBtf();
    } catch (e) {
      throw new OracleUnavailableError((e as Error).message);
    }
  }

  kfunc_id(name: string): number | undefined {
    return this.btf().funcId(name);
  }

  verify(prog: KernelProgram, opts: KernelLoadOpts = {}): KernelVerdict {
    return this.batch([{ prog, opts, run: false }])[0]!.verdict;
  }

  testRun(prog: KernelProgram, opts: KernelTestRunOpts = {}): KernelTestRun {
    return this.batch([{ prog, opts, run: true }])[0]!;
  }

  kernel_verify(arg: KernelVerifyArg): KernelVerdict {
    const [prog, opts] = splitArg(arg);
    return refusedOrResult(this.verify(prog, opts));
  }

  kernel_test_run(
    arg: KernelVerifyArg,
    opts: Pick<KernelTestRunOpts, 'ctx_in' | 'data_in' | 'repeat' | 'data_size_out' | 'ctx_size_out'> = {},
  ): KernelTestRun {
    const [prog, load] = splitArg(arg);
    return refusedOrResult(this.testRun(prog, { ...load, ...opts }));
  }

  async kernelVerifyAsync(arg: KernelVerifyArg, control: KernelCallControl = {}): Promise<KernelVerdict> {
    const [prog, opts] = splitArg(arg);
    return refusedOrResult(await this.verifyAsync(prog, opts, control));
  }

  async kernelTestRunAsync(
    arg: KernelVerifyArg,
    opts: Pick<KernelTestRunOpts, 'ctx_in' | 'data_in' | 'repeat' | 'data_size_out' | 'ctx_size_out'> = {},
    control: KernelCallControl = {},
  ): Promise<KernelTestRun> {
    const [prog, load] = splitArg(arg);
    return refusedOrResult(await this.testRunAsync(prog, { ...load, ...opts }, control));
  }

  batch(jobs: readonly KernelJob[]): KernelTestRun[] {
    this.require();
    const { reqs, shape } = this.requests(jobs);
    return this.results(runHelper(reqs, undefined, this.trusted), shape);
  }

  async batchAsync(jobs: readonly KernelJob[], control: KernelCallControl = {}): Promise<KernelTestRun[]> {
    this.require();
    const { reqs, shape } = this.requests(jobs);
    return this.results(
      await runHelperAsync(reqs, control.timeoutMs, {
        trusted: this.trusted,
        ...(control.signal ? { signal: control.signal } : {}),
      }),
      shape,
    );
  }

  async verifyAsync(
    prog: KernelProgram,
    opts: KernelLoadOpts = {},
    control: KernelCallControl = {},
  ): Promise<KernelVerdict> {
    return (await this.batchAsync([{ prog, opts, run: false }], control))[0]!.verdict;
  }

  async testRunAsync(
    prog: KernelProgram,
    opts: KernelTestRunOpts = {},
    control: KernelCallControl = {},
  ): Promise<KernelTestRun> {
    return (await this.batchAsync([{ prog, opts, run: true }], control))[0]!;
  }

  /** The name of the FUNC a kfunc call's BTF id designates on this kernel. */
  private kfuncName(id: number): string | undefined {
    try {
      const t = this.btf().type(id);
      return t?.kind_name === 'FUNC' ? t.name : undefined;
    } catch {
      return undefined;
    }
  }

  private requests(jobs: readonly KernelJob[]): { reqs: string[]; shape: Shape[] } {
    const reqs: string[] = [];
    const shape: Shape[] = []; // maps: requests that set the maps up
    for (const job of jobs) {
      const opts = job.opts ?? {};
      const bytes = bytesOf(job.prog, (n) => this.kfunc_id(n));
      const maps = patchProgram(bytes, opts, (n) => this.kfunc_id(n));
      const type = progTypeNumber(opts.prog_type, SOCKET_FILTER);
      // The allow-list (policy.ts), before anything reaches the kernel: a refused load sends nothing; a refused
      // run still loads, for the verdict.
      const policy = {
        prog_type: type,
        maps: maps.length,
        kfuncName: (id: number) => this.kfuncName(id),
        trusted: this.trusted,
      };
      const refused =
        maps
          .map((m) =>
            (m.entries?.length ?? 0) > m.max_entries
              ? `${m.entries!.length} entries to store in a map of max_entries ${m.max_entries}`
              : mapRefusal({
                  map_type: mapTypeNumber(m.map_type),
                  key_size: m.key_size,
                  value_size: m.value_size,
                  max_entries: m.max_entries,
                  map_flags: m.map_flags ?? 0,
                }),
          )
          .find((r) => r !== undefined) ?? programRefusal(bytes, { ...policy, run: false });
      if (refused !== undefined) {
        shape.push({ maps: 0, run: false, reads: [], refused });
        continue;
      }
      const runRefused = job.run
        ? programRefusal(bytes, { ...policy, run: true, ...(opts.repeat !== undefined ? { repeat: opts.repeat } : {}) })
        : undefined;
      // As libbpf's SEC("syscall"): a syscall program is loaded sleepable (the kernel refuses it otherwise).
      const flags = (opts.prog_flags ?? 0) | (type === SYSCALL ? BPF_F.SLEEPABLE : 0);
      reqs.push('reset');
      const fds = Object.keys(opts.maps ?? {}).map(Number); // patchProgram's order
      const reads: Shape['reads'] = [];
      let mapReqs = 0;
      for (const m of maps) {
        reqs.push(
          request('map_create', {
            type: mapTypeNumber(m.map_type),
            key_size: m.key_size,
            value_size: m.value_size,
            max_entries: m.max_entries,
            flags: m.map_flags ?? 0,
          }),
        );
        for (const [key, value] of m.entries ?? []) reqs.push(request('map_update', { key, value }));
        mapReqs += 1 + (m.entries?.length ?? 0);
      }
      reqs.push(
        request('prog_load', {
          type,
          insns: bytes,
          log_level: opts.log_level ?? 1,
          log_size: opts.log_level === 0 ? 0 : Math.min(opts.log_size ?? 16 << 20, 16 << 20), // a log needs log_level > 0
          flags,
          attach: opts.expected_attach_type,
          name: opts.prog_name ? new TextEncoder().encode(opts.prog_name) : undefined,
          license: opts.license !== undefined ? new TextEncoder().encode(opts.license) : undefined,
          use_maps: maps.length > 0 ? 1 : 0,
          jited_len: opts.jited_len ? 1 : undefined,
        }),
      );
      if (job.run && runRefused === undefined) {
        reqs.push(
          request('test_run', {
            repeat: opts.repeat, // only when asked: SYSCALL and RAW_TRACEPOINT test runs refuse a repeat
            ctx_in: opts.ctx_in,
            data_in: opts.data_in,
            data_size_out: opts.data_size_out,
            ctx_size_out: opts.ctx_size_out,
          }),
        );
        // What the program wrote: the maps' read_after keys, looked up after the run (map index = fd_array order).
        maps.forEach((m, index) => {
          for (const key of m.read_after ?? []) reqs.push(request('map_lookup', { index, key }));
          if (m.read_after?.length) reads.push({ fd: fds[index]!, n: m.read_after.length });
        });
      }
      shape.push({
        maps: mapReqs,
        run: !!job.run && runRefused === undefined,
        reads,
        ...(runRefused !== undefined ? { runRefused } : {}),
      });
    }
    reqs.push('reset');
    return { reqs, shape };
  }

  private results(res: HelperResponse[], shape: Shape[]): KernelTestRun[] {
    const out: KernelTestRun[] = [];
    let at = 0;
    for (const s of shape) {
      if (s.refused !== undefined) {
        const verdict: KernelVerdict = { ok: false, errno: EPERM, errno_name: 'EPERM', log: '', refused: s.refused };
        out.push({
          ok: false,
          verdict,
          errno: EPERM,
          errno_name: 'EPERM',
          why: `refused by the kernel oracle: ${s.refused}`,
          refused: s.refused,
        });
        continue;
      }
      at++; // reset
      const mapFail = res.slice(at, at + s.maps).find((r) => !r.ok);
      at += s.maps;
      const verdict = verdictOf(res[at++]!);
      const run = s.run ? res[at++]! : undefined;
      const mapsAfter: Record<number, (Uint8Array | undefined)[]> = {};
      let readFail: HelperResponse | undefined;
      for (const { fd, n } of s.reads) {
        const got = res.slice(at, at + n);
        at += n;
        // ENOENT: no element under that key (a hash map's); any other error fails the run's report.
        readFail ??= got.find((r) => !r.ok && Number(r.fields['errno']) !== ENOENT);
        mapsAfter[fd] = got.map((r) => (r.ok ? fromHex(r.fields['value']) : undefined));
      }
      if (mapFail) {
        const errno = Number(mapFail.fields['errno'] ?? 0);
        out.push({ ok: false, verdict, errno, errno_name: errnoName(errno), why: helperError(mapFail) });
      } else if (s.runRefused !== undefined) {
        // Whatever the verifier said: the run was refused (the load only gave the verdict).
        out.push({
          ok: false,
          verdict,
          errno: EPERM,
          errno_name: 'EPERM',
          why: `test run refused by the kernel oracle: ${s.runRefused}`,
          refused: s.runRefused,
        });
      } else if (!verdict.ok) {
        out.push({
          ok: false,
          verdict,
          errno: verdict.errno,
          errno_name: verdict.errno_name,
          why: `the kernel rejected the program: ${verdict.first_error ?? verdict.errno_name}`,
        });
      } else if (!run) {
        out.push({ ok: false, verdict, errno: 0, errno_name: '', why: 'not run' });
      } else if (!run.ok) {
        const errno = Number(run.fields['errno'] ?? 0);
        out.push({ ok: false, verdict, errno, errno_name: errnoName(errno), why: helperError(run) });
      } else if (readFail) {
        const errno = Number(readFail.fields['errno'] ?? 0);
        out.push({ ok: false, verdict, errno, errno_name: errnoName(errno), why: helperError(readFail) });
      } else {
        out.push({
          ok: true,
          verdict,
          retval: BigInt(run.fields['retval'] ?? 0),
          duration: Number(run.fields['duration'] ?? 0),
          data_out: fromHex(run.fields['data_out']),
          ctx_out: fromHex(run.fields['ctx_out']),
          ctx_after: fromHex(run.fields['ctx_after']),
          maps_after: mapsAfter,
        });
      }
    }
    return out;
  }

  directMap(): ({ ok: true } & DirectMapSnapshot) | { ok: false; why: string } {
    const off = this.platform === 'linux' ? oracleDisabled() : undefined;
    if (off) return { ok: false, why: off };
    return readDirectMap(this.platform);
  }

  secretProbe(pages = 1): SecretProbe {
    if (this.platform !== 'linux')
      throw new OracleUnavailableError(`memfd_secret needs Linux (this is ${this.platform})`);
    const off = oracleDisabled();
    if (off) throw new OracleUnavailableError(off);
    const [r] = runHelper([request('secret_probe', { pages })]);
    if (!r!.ok) {
      const hint = Number(r!.fields['errno']) === 38 ? ' (the kernel needs CONFIG_SECRETMEM and secretmem.enable)' : '';
      throw new OracleUnavailableError(`secret probe: ${helperError(r!)}${hint}`);
    }
    const snap = (k: string): DirectMapSnapshot =>
      parseDirectMapSnapshot(Buffer.from(fromHex(r!.fields[k])).toString('utf8'));
    const before = snap('before');
    const touched = snap('touched');
    const after = snap('after');
    const pfnText = Buffer.from(fromHex(r!.fields['pfns'] ?? '')).toString('utf8');
    const pfns = pfnText ? pfnText.split(' ').map((x) => parseInt(x, 16)) : [];
    return {
      pages,
      before,
      touched,
      after,
      faulted: directMapDelta(before, touched),
      released: directMapDelta(touched, after),
      simulated: simulateSecretProbe(pages),
      ...(pfns.length && pfns.every((x) => x > 0) ? { pfns } : {}),
    };
  }

  uringProbe(opts: { count?: number; batch?: number; samples?: number } = {}): UringProbe {
    if (this.platform !== 'linux') throw new OracleUnavailableError(`io_uring needs Linux (this is ${this.platform})`);
    const off = oracleDisabled();
    if (off) throw new OracleUnavailableError(off);
    const count = opts.count ?? 20_000;
    const batch = opts.batch ?? 32;
    const samples = opts.samples ?? 5;
    if (!Number.isInteger(samples) || samples < 1 || samples > 100)
      throw new OracleUnavailableError(`io_uring probe: samples ${samples} is not 1..100`);
    // Each figure is the least of `samples` runs of process CPU time (the helper's clock): load on the machine
    // inflates a run, never shortens one, so the minimum is the machine's own cost (see minProbeSamples()).
    const reqs = [];
    for (let i = 0; i < samples; i++) {
      reqs.push(
        request('uring_probe', { op: 'nop', count, batch: 1 }),
        request('uring_probe', { op: 'nop', count, batch }),
        request('uring_probe', { op: 'read', count, batch: 1 }),
        request('uring_probe', { op: 'read', count, batch }),
        request('pread_probe', { count }),
      );
    }
    const rs = runHelper(reqs);
    const least = (j: number, what: string): number => {
      let m = Infinity;
      for (let i = 0; i < samples; i++) m = Math.min(m, meanNs(rs[i * 5 + j]!, what));
      return m;
    };
    const nop_ns = least(0, 'nop');
    const nop_batched_ns = least(1, 'nop batched');
    const read_4k_ns = least(2, 'read');
    const read_4k_batched_ns = least(3, 'read batched');
    const pread_4k_ns = least(4, 'pread');
    // The ublk engine derives its figures (k.ublk.calibrate() applies the same).
    const calibration = calibrateCosts({ nop_ns, nop_batched_ns, read_4k_batched_ns, batch });
    return { nop_ns, nop_batched_ns, read_4k_ns, read_4k_batched_ns, pread_4k_ns, batch, count, samples, calibration };
  }
}

/** The oracle of the machine this process runs on. */
export function kernelOracle(opts: KernelOracleOptions = {}): KernelOracle {
  return new Oracle(opts);
}

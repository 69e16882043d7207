/**
 * The BPF panel's "check on this machine's kernel" (the contract's kernelCheck): loads the program the panel
 * shows into the running Linux kernel (BPF_PROG_LOAD, with the same program type, log level and maps) and puts
 * the kernel's verdict and log beside our verifier's. The renderer sends the instructions themselves: the
 * session that loaded them has ended by the time one clicks, and the kernel's own verifier is what checks them.
 */
import type { KernelCheckRequest, KernelCheckResult } from '../contract';
import { KERNEL_CHECK_MAX_LOG } from '../contract-limits';
import { KFUNC_BTF_ID } from '../engines/bpf';
import { compareVerdicts } from './log-compare';
import { BPF_PSEUDO_KFUNC_CALL } from './uapi';
import { kfuncIdsByName } from './verifier-log';
import { kernelOracle, OracleUnavailableError, type KernelMapSpec, type KernelOracle } from './index';

/** Rows of the aligned logs sent back (a log of a million-instruction walk is not read side by side). */
const MAX_ROWS = 20_000;

let shared: KernelOracle | undefined;

function clip(log: string): string {
  return log.length > KERNEL_CHECK_MAX_LOG
    ? `${log.slice(0, KERNEL_CHECK_MAX_LOG)}\n… (log cut at ${KERNEL_CHECK_MAX_LOG} characters)\n`
    : log;
}

/** The model's kfuncs the program calls by the model's BTF ids (the oracle maps those by name), name -> id. */
function modelKfuncsCalled(bytes: Uint8Array): Record<string, number> {
  const byId = new Map(Object.entries(KFUNC_BTF_ID).map(([name, id]) => [id, name]));
  const out: Record<string, number> = {};
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let p = 0; p + 8 <= bytes.length; p += 8) {
    if (bytes[p] !== 0x85 || bytes[p + 1]! >> 4 !== BPF_PSEUDO_KFUNC_CALL) continue;
    const name = byId.get(dv.getInt32(p + 4, true));
    if (name !== undefined) out[name] = dv.getInt32(p + 4, true);
  }
  return out;
}

/** Asks the kernel; where it cannot be asked, says why in one line. */
export async function kernelCheck(
  req: KernelCheckRequest,
  oracle: KernelOracle = (shared ??= kernelOracle()),
): Promise<KernelCheckResult> {
  const available = oracle.available();
  if (!available.ok) return { available: false, why: available.why };
  const maps: Record<number, KernelMapSpec> = {};
  for (const m of req.maps)
    maps[m.fd] = { map_type: m.map_type, key_size: m.key_size, value_size: m.value_size, max_entries: m.max_entries };
  const bytes = Uint8Array.from(Buffer.from(req.insns, 'hex'));
  let verdict;
  try {
    verdict = await oracle.verifyAsync(bytes, {
      prog_type: req.prog_type,
      log_level: req.log_level,
      ...(req.log_size !== undefined ? { log_size: req.log_size } : {}),
      maps,
      ...(req.prog_flags ? { prog_flags: req.prog_flags } : {}),
      ...(req.license !== undefined ? { license: req.license } : {}),
    });
    // The allow-list refused the load (policy.ts): nothing reached the kernel.
    if (verdict.refused !== undefined)
      return {
        available: false,
        why: `the kernel oracle's allow-list refuses this program (EPERM): ${verdict.refused}`,
      };
  } catch (e) {
    // A kfunc this kernel lacks, a map it refuses to create: the kernel cannot judge this program here.
    if (e instanceof OracleUnavailableError) return { available: false, why: e.message };
    throw e;
  }
  // The kernel prints a kfunc call with its own BTF id: compared by name, as the ids the program carried.
  const kernelLog = kfuncIdsByName(verdict.log, modelKfuncsCalled(bytes));
  const cmp = compareVerdicts(
    { ok: req.sim.ok, log: req.sim.log, ...(req.sim.errno_name ? { errno_name: req.sim.errno_name } : {}) },
    { ...verdict, log: kernelLog },
  );
  const kernel: Extract<KernelCheckResult, { available: true }>['kernel'] = {
    ok: verdict.ok,
    errno_name: verdict.errno_name,
    log: clip(verdict.log),
  };
  if (verdict.first_error !== undefined) kernel.first_error = verdict.first_error;
  if (verdict.processed !== undefined) kernel.processed = verdict.processed;
  if (verdict.log_truncated) kernel.log_truncated = true;
  return {
    available: true,
    kernel,
    comparison: { ...cmp, rows: cmp.rows.slice(0, MAX_ROWS) },
  };
}

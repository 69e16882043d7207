/**
 * The contract's numbers (re-exported by contract.ts), kept apart from its schemas so that the session worker,
 * which needs only these, does not load zod: that was a third of a worker's start.
 */
/** A run's limits as the defaults give them all (contract.ts's RunLimitsSchema takes each as optional). */
export interface DefaultRunLimits {
  timeoutMs: number;
  memoryBytes: number;
  stackBytes: number;
  outputBytes: number;
  machineBytes: number;
}

export const DEFAULT_LIMITS: DefaultRunLimits = {
  timeoutMs: 10_000,
  memoryBytes: 256 << 20,
  stackBytes: 256 << 10,
  outputBytes: 4 << 20,
  machineBytes: 512 << 20,
};

/** A run's limits with DEFAULT_LIMITS in place of each one it leaves out (or gives as undefined). */
export function resolveLimits(
  limits: { [K in keyof DefaultRunLimits]?: number | undefined } | undefined,
): DefaultRunLimits {
  const out: DefaultRunLimits = { ...DEFAULT_LIMITS };
  for (const k of Object.keys(out) as (keyof DefaultRunLimits)[]) {
    const v = limits?.[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** The most instructions a kernel check takes (BPF_MAXINSNS is 4096 unprivileged; root may load up to a million). */
export const KERNEL_CHECK_MAX_INSNS = 65_536;
/** The most log text the kernel check takes or gives back (each side). */
export const KERNEL_CHECK_MAX_LOG = 1 << 20;

/** The longest lab.progress() message an event carries (longer ones are cut; each counts against outputBytes). */
export const PROGRESS_MESSAGE_MAX = 1024;

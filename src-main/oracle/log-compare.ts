/**
 * Our verifier's answer beside the kernel's: do the verdicts, errnos and first error lines agree, and where do the
 * two logs part (for the BPF panel's "check on this machine's kernel", which shows them side by side).
 */
import type { KernelVerdict } from './types';
import { firstErrorLine } from './verifier-log';

/** What our verifier said (the shape the verifier issue's result can be mapped to). */
export interface SimVerdict {
  ok: boolean;
  /** Errno name of a rejection (EACCES, EINVAL, ...). */
  errno_name?: string;
  log: string;
}

/** One row of the side-by-side view: a line of either log, or of both when they match. */
export interface LogRow {
  ours?: string;
  kernel?: string;
  agree: boolean;
}

/** The comparison. */
export interface VerdictComparison {
  verdict_agree: boolean;
  errno_agree: boolean;
  first_error_agree: boolean;
  ours_first_error?: string;
  kernel_first_error?: string;
  /** Aligned lines (longest common subsequence of the two logs; lines differing only in trailing spaces match). */
  rows: LogRow[];
  /** Index in `rows` of the first disagreement, or -1. */
  first_disagreement: number;
}

/** Cells of the LCS table above which the logs are aligned line by line instead. */
const LCS_LIMIT = 4_000_000;

function lines(log: string): string[] {
  const ls = log.split('\n').map((l) => l.trimEnd());
  while (ls.length > 0 && ls[ls.length - 1] === '') ls.pop();
  return ls;
}

/** Aligns two logs: matching lines side by side, the rest as one-sided rows. */
export function alignLogs(ours: string, kernel: string): LogRow[] {
  const a = lines(ours);
  const b = lines(kernel);
  const n = a.length;
  const m = b.length;
  const rows: LogRow[] = [];
  if ((n + 1) * (m + 1) > LCS_LIMIT) {
    for (let i = 0; i < Math.max(n, m); i++) {
      const row: LogRow = { agree: a[i] === b[i] };
      if (i < n) row.ours = a[i]!;
      if (i < m) row.kernel = b[i]!;
      rows.push(row);
    }
    return rows;
  }
  // lcs[i][j]: LCS length of a[i..] and b[j..], in one flat array.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] =
        a[i] === b[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      rows.push({ ours: a[i]!, kernel: b[j]!, agree: true });
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i * w + j + 1]! >= lcs[(i + 1) * w + j]!)) {
      rows.push({ kernel: b[j]!, agree: false });
      j++;
    } else {
      rows.push({ ours: a[i]!, agree: false });
      i++;
    }
  }
  return rows;
}

/** Compares our verifier's verdict and log with the kernel's. */
export function compareVerdicts(ours: SimVerdict, kernel: KernelVerdict): VerdictComparison {
  const oursFirst = ours.ok ? undefined : firstErrorLine(ours.log);
  const kernelFirst = kernel.ok ? undefined : kernel.first_error;
  const rows = alignLogs(ours.log, kernel.log);
  const out: VerdictComparison = {
    verdict_agree: ours.ok === kernel.ok,
    errno_agree: ours.ok === kernel.ok && (ours.ok || ours.errno_name === kernel.errno_name),
    first_error_agree: oursFirst === kernelFirst,
    rows,
    first_disagreement: rows.findIndex((r) => !r.agree),
  };
  if (oursFirst !== undefined) out.ours_first_error = oursFirst;
  if (kernelFirst !== undefined) out.kernel_first_error = kernelFirst;
  return out;
}

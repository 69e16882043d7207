import { KernelError } from './errors';

const UNITS: Record<string, number> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/**
 * Parses a size given as bytes or as a string like '4K', '2M', '8G', '1.5G', '4KiB', '64k' (binary units,
 * as the kernel's memparse()). Throws an EINVAL KernelError naming the parameter when it makes no sense.
 */
export function parseSize(value: unknown, what = 'size'): number {
  if (typeof value === 'number' || typeof value === 'bigint') {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || !Number.isInteger(n)) {
      throw new KernelError('EINVAL', `${what}: ${String(value)} is not a non-negative whole number of bytes`);
    }
    return n;
  }
  if (typeof value !== 'string') {
    throw new KernelError('EINVAL', `${what}: expected bytes or a string like '4K', got ${typeof value}`);
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:i?[bB])?\s*$/.exec(value);
  if (!m) throw new KernelError('EINVAL', `${what}: cannot parse '${value}' (use bytes or '4K', '2M', '8G')`);
  const bytes = Number(m[1]) * (UNITS[(m[2] ?? '').toUpperCase()] ?? 1);
  if (!Number.isInteger(bytes)) throw new KernelError('EINVAL', `${what}: '${value}' is not a whole number of bytes`);
  return bytes;
}

/** Formats bytes with the largest binary unit that divides them exactly ('2M', '4K', '1536'). */
export function formatSize(bytes: number): string {
  for (const [unit, mul] of [
    ['T', 1024 ** 4],
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ] as const) {
    if (bytes >= mul && bytes % mul === 0) return `${bytes / mul}${unit}`;
  }
  return String(bytes);
}

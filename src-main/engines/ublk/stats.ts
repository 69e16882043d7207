/** Latency statistics of a fio run (nearest-rank percentiles, as fio's clat percentiles), in µs. */
export interface LatencyPercentiles {
  p50: number;
  p99: number;
  p999: number;
  mean: number;
  max: number;
  min: number;
  stdev: number;
  /** fio's default percentile list: [percent, µs]. */
  table: [number, number][];
}

/** fio's default clat percentile list. */
export const FIO_PERCENTILES = [1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99];

/** Percentiles of latencies given in ns; results in µs. */
export function percentiles(lat_ns: Float64Array): LatencyPercentiles {
  const n = lat_ns.length;
  if (!n) return { p50: 0, p99: 0, p999: 0, mean: 0, max: 0, min: 0, stdev: 0, table: [] };
  const a = lat_ns.slice();
  let sum = 0;
  let max = 0;
  let min = Infinity;
  for (let i = 0; i < n; i++) {
    const v = a[i]!;
    sum += v;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (a[i]! - mean) ** 2;
  const rank = (p: number): number => Math.min(n - 1, Math.max(0, Math.ceil((p * n) / 100 - 1e-9) - 1));
  // many ranks: one native numeric sort beats a quickselect per rank; one rank: quickselect
  if (n > 64) a.sort();
  // Whole nanoseconds, as fio's clat samples are (virtual time sums fractional costs).
  const table: [number, number][] = FIO_PERCENTILES.map((p) => [
    p,
    Math.round(n > 64 ? a[rank(p)]! : select(a, rank(p))) / 1000,
  ]);
  const at = (p: number): number => table.find(([q]) => q === p)![1];
  return {
    p50: at(50),
    p99: at(99),
    p999: at(99.9),
    mean: mean / 1000,
    max: Math.round(max) / 1000,
    min: Math.round(min) / 1000,
    stdev: Math.sqrt(sq / n) / 1000,
    table,
  };
}

/** k-th smallest (Hoare quickselect, median-of-three pivot); reorders `a`. */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    const x = a[lo]!,
      y = a[mid]!,
      z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

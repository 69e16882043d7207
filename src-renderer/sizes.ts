/** Labels of machine sizes, as a boot option gives them: 64M, 1.5G, 64G. */

const MIB = 1 << 20;
const GIB = 1 << 30;

/** A memory size in bytes as `boot({ memory })` would say it: G from 1 GiB up (to two decimals), else M. */
export function memoryLabel(bytes: number): string {
  const trim = (n: number): string => String(Math.round(n * 100) / 100);
  if (bytes >= GIB) return `${trim(bytes / GIB)}G`;
  if (bytes >= MIB) return `${trim(bytes / MIB)}M`;
  return `${trim(bytes / 1024)}K`;
}

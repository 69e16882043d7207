/**
 * license_is_gpl_compatible() (include/linux/license.h, Linux 6.18): the license strings BPF_PROG_LOAD counts as
 * GPL-compatible. A program with another license may not call kfuncs (add_kfunc_call()) or gpl_only helpers.
 */
const GPL_COMPATIBLE = new Set([
  'GPL',
  'GPL v2',
  'GPL and additional rights',
  'Dual BSD/GPL',
  'Dual MIT/GPL',
  'Dual MPL/GPL',
]);

/** bpf_prog_load() copies at most 127 bytes of the license (char license[128]); the comparison is exact. */
export function license_is_gpl_compatible(license: string): boolean {
  return GPL_COMPATIBLE.has(license.slice(0, 127));
}

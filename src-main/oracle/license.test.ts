/**
 * BPF_PROG_LOAD's license against the running kernel: add_kfunc_call() refuses a kfunc call from a program whose
 * license is not GPL-compatible (license_is_gpl_compatible()), with EINVAL and the same log, before the walk.
 */
import { describe, expect, it } from 'vitest';
import { createBpf } from '../engines/bpf';
import { KernelError } from '../engines/common/errors';
import { license_is_gpl_compatible } from '../engines/bpf';
import { kernelForTests } from './test-util';

const { oracle, skip } = kernelForTests('BPF license');

/** bpf_iter_num_new() then bpf_iter_num_destroy() on fp-8: a kfunc program the verifier accepts under GPL. */
const ITER =
  'r1 = r10\nr1 += -8\nr2 = 0\nr3 = 3\ncall bpf_iter_num_new\nr1 = r10\nr1 += -8\ncall bpf_iter_num_destroy\nr0 = 0\nexit';
const LICENSES = [
  'GPL',
  'GPL v2',
  'GPL and additional rights',
  'Dual BSD/GPL',
  'Dual MIT/GPL',
  'Dual MPL/GPL',
  'MIT',
  'BSD',
  'Proprietary',
  'gpl',
  'GPLv2',
];

/** The model's verdict of one load. */
function model(license: string, log_level: number): { ok: boolean; errno: string; log: string } {
  try {
    createBpf().prog_load({ asm: ITER, prog_type: 'BPF_PROG_TYPE_SYSCALL', license, log_level, prog_flags: 1 << 4 });
    return { ok: true, errno: '', log: '' };
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    return { ok: false, errno: e.errno, log: String(e.detail?.['log'] ?? '') };
  }
}

describe('license_is_gpl_compatible()', () => {
  it('takes the six GPL-compatible strings exactly, and refuses a kfunc call from any other', () => {
    expect(LICENSES.filter(license_is_gpl_compatible)).toEqual(LICENSES.slice(0, 6));
    expect(model('MIT', 1)).toEqual({
      ok: false,
      errno: 'EINVAL',
      log: 'cannot call kernel function from non-GPL compatible program\nprocessed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n',
    });
    expect(model('Dual MIT/GPL', 1).ok).toBe(true);
    // A program without kfunc calls loads under any license.
    expect(() => createBpf().prog_load({ asm: 'r0 = 0\nexit', license: 'MIT' })).not.toThrow();
  });
});

describe.skipIf(skip)('the license of a kfunc program: the model and the running kernel agree', () => {
  for (const license of LICENSES) {
    it(JSON.stringify(license), () => {
      for (const log_level of [1, 2]) {
        const v = oracle.verify(ITER, { prog_type: 'BPF_PROG_TYPE_SYSCALL', license, log_level, prog_flags: 1 << 4 });
        const ours = model(license, log_level);
        expect(ours.ok).toBe(v.ok);
        if (!v.ok) expect(ours).toEqual({ ok: false, errno: v.errno_name, log: v.log });
      }
    });
  }
});

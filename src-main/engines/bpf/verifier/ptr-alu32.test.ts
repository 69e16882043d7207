/**
 * 32-bit ALU with a pointer operand: Linux 6.18 refuses it (`R# 32-bit pointer arithmetic prohibited`) except
 * BPF_SUB with allow_ptr_leaks, which gives an unknown scalar (adjust_ptr_min_max_vals(), adjust_reg_min_max_vals()).
 */
import { describe, expect, it } from 'vitest';
import { kernelForTests } from '../../../oracle/test-util';
import { createBpf } from '../index';
import { ptrAlu32Cases } from './ptr-alu32.fixtures';

/** Linux 6.18's answers (socket filter, privileged): `ok` or `<errno> <first line>`. */
const KERNEL: Record<string, string> = {
  'r1 += 0': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 += 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 += -1': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 += w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar += r1': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'r1 -= 0': 'ok',
  'r1 -= 4': 'ok',
  'r1 -= -1': 'ok',
  'r1 -= w2': 'ok',
  'scalar -= r1': 'ok',
  'r1 *= 0': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 *= 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 *= -1': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 *= w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar *= r1': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'r1 /= 0': 'EINVAL div by zero',
  'r1 /= 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 /= -1': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 /= w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar /= r1': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'r1 %= 0': 'EINVAL div by zero',
  'r1 %= 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 %= -1': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 %= w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar %= r1': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'r1 |= 0': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 |= 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 |= -1': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 |= w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar |= r1': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'r1 &= 0': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 &= 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 &= -1': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 &= w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar &= r1': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'r1 ^= 0': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 ^= 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 ^= -1': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 ^= w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar ^= r1': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'r1 <<= 0': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 <<= 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 <<= -1': 'EINVAL invalid shift -1',
  'r1 <<= w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar <<= r1': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'r1 >>= 0': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 >>= 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 >>= -1': 'EINVAL invalid shift -1',
  'r1 >>= w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar >>= r1': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'r1 s>>= 0': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 s>>= 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r1 s>>= -1': 'EINVAL invalid shift -1',
  'r1 s>>= w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar s>>= r1': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'r10 += 0': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 += 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 += -1': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 += w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar += r10': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'r10 -= 0': 'ok',
  'r10 -= 4': 'ok',
  'r10 -= -1': 'ok',
  'r10 -= w2': 'ok',
  'scalar -= r10': 'ok',
  'r10 *= 0': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 *= 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 *= -1': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 *= w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar *= r10': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'r10 /= 0': 'EINVAL div by zero',
  'r10 /= 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 /= -1': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 /= w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar /= r10': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'r10 %= 0': 'EINVAL div by zero',
  'r10 %= 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 %= -1': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 %= w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar %= r10': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'r10 |= 0': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 |= 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 |= -1': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 |= w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar |= r10': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'r10 &= 0': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 &= 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 &= -1': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 &= w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar &= r10': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'r10 ^= 0': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 ^= 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 ^= -1': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 ^= w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar ^= r10': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'r10 <<= 0': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 <<= 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 <<= -1': 'EINVAL invalid shift -1',
  'r10 <<= w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar <<= r10': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'r10 >>= 0': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 >>= 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 >>= -1': 'EINVAL invalid shift -1',
  'r10 >>= w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar >>= r10': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'r10 s>>= 0': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 s>>= 4': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'r10 s>>= -1': 'EINVAL invalid shift -1',
  'r10 s>>= w2': 'EACCES R3 32-bit pointer arithmetic prohibited',
  'scalar s>>= r10': 'EACCES R2 32-bit pointer arithmetic prohibited',
};

function model(asm: string): string {
  const v = createBpf().verify({ asm, prog_type: 'socket_filter', log_level: 1 });
  return v.ok ? 'ok' : `${v.errors[0]?.errno} ${v.errors[0]?.message}`;
}

describe('32-bit ALU on pointers against Linux 6.18 recorded answers', () => {
  it('every op with an imm, a scalar and a pointer operand, on ctx and fp', () => {
    const wrong = ptrAlu32Cases()
      .filter((c) => model(c.asm) !== KERNEL[c.name])
      .map((c) => `${c.name}: ${model(c.asm)} (kernel ${KERNEL[c.name]})`);
    expect(wrong).toEqual([]);
  });

  it('w -= on a pointer leaves an unknown 64-bit scalar', () => {
    const v = createBpf().verify({ asm: 'r3 = r10\nw3 -= 4\nr0 = r3\nexit', prog_type: 'socket_filter', log_level: 2 });
    expect(v.log).toMatch(/^1: \(14\) w3 -= 4 +; R3=scalar\(\)$/m);
  });
});

const { oracle, skip } = kernelForTests('32-bit ALU on pointers against the running kernel');

describe.skipIf(skip)('32-bit ALU on pointers against the running kernel', () => {
  it('the recorded answers are the running kernel’s and the model agrees', () => {
    const wrong: string[] = [];
    for (const c of ptrAlu32Cases()) {
      const v = oracle.verify(c.asm, { prog_type: 'socket_filter', log_level: 1 });
      const k = v.ok ? 'ok' : `${v.errno_name} ${v.first_error}`;
      if (k !== KERNEL[c.name]) wrong.push(`${c.name}: kernel now ${k}, recorded ${KERNEL[c.name]}`);
      if (model(c.asm) !== k) wrong.push(`${c.name}: kernel ${k} | model ${model(c.asm)}`);
    }
    expect(wrong).toEqual([]);
  });
});

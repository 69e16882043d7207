/**
 * The x86-64 JIT's image sizes (engines/bpf_jit_comp.ts) against the running kernel: each program is loaded with
 * BPF_PROG_LOAD and its bpf_prog_info.jited_prog_len compared with the model's jitImageSize(). Programs keep their
 * branches on values the verifier cannot know (a helper's result), so the kernel JITs what the model sizes.
 * Tolerance: each program within 5 % (the model sizes div/mod and the epilogue by their common encodings), and
 * the sum within 2 %. Skips with the reason where the kernel cannot be asked, and off x86-64 (another JIT).
 */
import { describe, expect, it } from 'vitest';
import { createBpf } from '../engines/bpf';
import { jitImageSize } from '../engines/bpf_jit_comp';
import { kernelOracle } from './index';

const oracle = kernelOracle();
const avail = oracle.available();
if (!avail.ok) console.log(`kernel oracle: JIT size checks skipped (${avail.why})`);
const x64 = process.arch === 'x64';
if (avail.ok && !x64)
  console.log(`kernel oracle: JIT size checks skipped (the model is x86-64's JIT; this is ${process.arch})`);

const rep = (n: number, line: string): string => Array.from({ length: n }, () => line).join('\n');
/** A prefix that gives r0..r2, r6, r7 values the verifier does not know, and a stack slot. */
const UNKNOWN = 'call bpf_get_prandom_u32\nr6 = r0\nr7 = r0\nr1 = r0\nr2 = r0\n*(u64 *)(r10 - 8) = r1';

const PROGRAMS: Record<string, string> = {
  'return 0': 'r0 = 0\nexit',
  'return 1': 'r0 = 1\nexit',
  'mov imm (small, zero, negative)': `${rep(50, 'r1 = 7')}\n${rep(50, 'r2 = 0')}\n${rep(50, 'r3 = -1')}\nr0 = 0\nexit`,
  'alu64 reg': `${UNKNOWN}\n${rep(100, 'r1 += r2')}\n${rep(100, 'r6 ^= r7')}\nr0 = r1\nexit`,
  'alu64 imm8 / imm32': `${UNKNOWN}\n${rep(100, 'r1 += 7')}\n${rep(100, 'r0 += 100000')}\n${rep(100, 'r2 &= 100000')}\nr0 = r1\nexit`,
  alu32: `${UNKNOWN}\n${rep(100, 'w1 += w2')}\n${rep(100, 'w1 += 9')}\n${rep(50, 'w7 = w6')}\nr0 = r1\nexit`,
  'shifts and mul': `${UNKNOWN}\n${rep(50, 'r1 <<= 3')}\n${rep(50, 'r1 >>= 1')}\n${rep(50, 'r1 *= r2')}\n${rep(50, 'r1 *= 3')}\nr0 = r1\nexit`,
  'loads and stores': `${UNKNOWN}\n${rep(100, 'r1 = *(u64 *)(r10 - 8)')}\n${rep(100, 'r2 = *(u32 *)(r10 - 8)')}\n${rep(100, '*(u64 *)(r10 - 16) = r1')}\n${rep(50, '*(u32 *)(r10 - 300) = r2')}\n${rep(50, '*(u64 *)(r10 - 24) = 5')}\nr0 = 0\nexit`,
  'short branches': `${rep(100, 'call bpf_get_prandom_u32\nif r0 > 5 goto +1\nr0 += 1')}\nexit`,
  'exits inside the program': `${rep(20, 'call bpf_get_prandom_u32\nif r0 != 5 goto +1\nexit')}\nr0 = 0\nexit`,
  'near branches': `${UNKNOWN}\nif r1 == 3 goto +200\n${rep(200, 'r2 += 7')}\nif r2 > r1 goto +100\n${rep(100, 'r2 += 100000')}\nr0 = r2\nexit`,
  'helper calls': `${rep(100, 'call bpf_get_prandom_u32')}\nexit`,
  'callee-saved registers': `${UNKNOWN}\nr8 = r0\nr9 = r0\n${rep(50, 'r8 += r9')}\nr0 = r8\nexit`,
  'a 4,000-instruction mix': `${UNKNOWN}\n${rep(500, 'r1 += r2\nr2 = *(u64 *)(r10 - 8)\n*(u64 *)(r10 - 16) = r1\nr1 <<= 2\nif r1 > 1000 goto +1\nr1 += 100000\nr6 ^= r7\nw2 += 1')}\nr0 = r1\nexit`,
};

describe.skipIf(!avail.ok || !x64)('x86-64 JIT image sizes against bpf_prog_info.jited_prog_len', () => {
  it('gives each program the image size the kernel JIT does, within the stated tolerance', () => {
    const bpf = createBpf();
    let model = 0;
    let kernel = 0;
    const rows: string[] = [];
    const off: string[] = [];
    for (const [name, asm] of Object.entries(PROGRAMS)) {
      const v = oracle.verify(asm, { prog_type: 'socket_filter', jited_len: true, log_level: 0, log_size: 0 });
      expect(v.ok, `${name}: ${v.first_error ?? v.errno_name}`).toBe(true);
      const k = v.jited_prog_len!;
      const m = jitImageSize(bpf.assemble(asm).insns);
      model += m;
      kernel += k;
      rows.push(
        `  ${name.padEnd(34)} kernel ${String(k).padStart(6)}  model ${String(m).padStart(6)}  (${((m / k - 1) * 100).toFixed(1)} %)`,
      );
      if (Math.abs(m - k) > k * 0.05) off.push(name);
    }
    console.log(
      `jited_prog_len, kernel vs model:\n${rows.join('\n')}\n  sum: kernel ${kernel}, model ${model} (${((model / kernel - 1) * 100).toFixed(2)} %)`,
    );
    expect(off).toEqual([]);
    expect(Math.abs(model - kernel)).toBeLessThanOrEqual(kernel * 0.02);
  });
});

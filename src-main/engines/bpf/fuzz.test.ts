/**
 * Property tests with a fixed seed: random bytes and random instruction sequences fed to the decoder, the
 * loader, both assemblers, the interpreter and the JIT. Only clean errors (KernelError/BpfAsmError) are allowed,
 * never a crash or a hang, and the JIT must agree with the interpreter on every program (r0, instruction count,
 * memory, or the exact error). BPF_FUZZ_ITERS=n runs longer (`npm run fuzz`).
 */
import { describe, expect, it } from 'vitest';
import { KernelError } from '../common/errors';
import { Prng } from '../common/prng';
import { BpfAsmError } from './asm-error';
import { assembleKernel } from './asm-kernel';
import { assembleUbpf } from './asm-ubpf';
import { bpfCheckInsns } from './check';
import { disassemble } from './disasm';
import { decodeInsns, insn } from './isa';
import type { BpfInsn } from './isa';
import { runBoth } from './test-util';

const ITERS = Number((import.meta.env as Record<string, string | undefined>)['BPF_FUZZ_ITERS'] ?? 300);

function randomInsns(rng: Prng, n: number): BpfInsn[] {
  const pick = <T>(xs: readonly T[]): T => xs[rng.nextInt(xs.length)]!;
  const reg = (): number => (rng.nextInt(8) === 0 ? 10 : rng.nextInt(10));
  const imm = (): number =>
    pick([0, 1, -1, 2, 7, 31, 32, 63, 64, 0x7fffffff, -0x80000000, rng.nextU32() | 0, rng.nextInt(256)]);
  const out: BpfInsn[] = [];
  while (out.length < n - 1) {
    const pc = out.length;
    const jmpOff = (): number => rng.nextInt(n) - pc - 1;
    switch (rng.nextInt(12)) {
      case 0:
      case 1:
      case 2: {
        const cls = pick([0x04, 0x07]);
        const op = pick([0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0]);
        const x = rng.nextInt(2) === 1;
        let off = 0;
        if (op === 0x30 || op === 0x90) off = rng.nextInt(2);
        if (op === 0xb0 && x) off = pick(cls === 0x07 ? [0, 8, 16, 32] : [0, 8, 16]);
        out.push(x ? insn(cls | op | 8, rng.nextInt(10), reg(), off) : insn(cls | op, rng.nextInt(10), 0, off, imm()));
        break;
      }
      case 3:
        out.push(
          rng.nextInt(2)
            ? insn(pick([0x84, 0x87]), rng.nextInt(10))
            : insn(pick([0xd4, 0xdc, 0xd7]), rng.nextInt(10), 0, 0, pick([16, 32, 64])),
        );
        break;
      case 4: {
        const base = rng.nextInt(3) ? 10 : reg();
        const off = base === 10 ? -rng.nextInt(530) + 8 : rng.nextInt(32) - 8;
        out.push(insn(pick([0x61, 0x69, 0x71, 0x79, 0x81, 0x89, 0x91]), rng.nextInt(10), base, off));
        break;
      }
      case 5: {
        const base = rng.nextInt(3) ? 10 : reg();
        const off = base === 10 ? -rng.nextInt(530) + 8 : rng.nextInt(32) - 8;
        const code = pick([0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0xc3, 0xdb]);
        const at = code === 0xc3 || code === 0xdb;
        const aimm = pick([0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1]);
        out.push(insn(code, base, code & 1 ? rng.nextInt(10) : 0, off, at ? aimm : code & 1 ? 0 : imm()));
        break;
      }
      case 6:
        out.push(insn(0x18, rng.nextInt(10), 0, 0, imm()), insn(0, 0, 0, 0, imm()));
        break;
      case 7:
      case 8: {
        const cls = pick([0x05, 0x06]);
        const op = pick([0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0]);
        const x = rng.nextInt(2) === 1;
        out.push(
          x
            ? insn(cls | op | 8, rng.nextInt(10), rng.nextInt(11), jmpOff())
            : insn(cls | op, rng.nextInt(10), 0, jmpOff(), imm()),
        );
        break;
      }
      case 9:
        out.push([insn(0x05, 0, 0, jmpOff()), insn(0x95), insn(0xe5, 0, 0, jmpOff())][rng.nextInt(3)]!);
        break;
      case 10:
        out.push(rng.nextInt(3) ? insn(0x85, 0, 0, 0, pick([0, 2, 3, 5])) : insn(0x85, 0, 1, 0, jmpOff()));
        break;
      default:
        out.push(insn(0xb7, rng.nextInt(10), 0, 0, imm()));
    }
  }
  out.length = Math.min(out.length, n - 1);
  out.push(insn(0x95));
  return out;
}

function cleanly(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof KernelError) && !(e instanceof BpfAsmError)) throw e;
  }
}

describe('fuzz (fixed seed)', () => {
  it('agrees between interpreter and JIT on random instruction sequences', () => {
    const rng = new Prng(0xb9f);
    let results = 0;
    let faults = 0;
    for (let i = 0; i < ITERS; i++) {
      const insns = randomInsns(rng, 4 + rng.nextInt(40));
      const mem = Uint8Array.from({ length: rng.nextInt(3) * 8 }, () => rng.nextInt(256));
      const [a, b, c] = runBoth(insns, mem.length ? mem : undefined, 2000);
      expect(b, disassemble(insns)).toEqual(a);
      expect(c, disassemble(insns)).toEqual(a);
      if ('retval' in a) results++;
      else faults++;
    }
    // The generator must exercise both outcomes to mean anything.
    expect(results).toBeGreaterThan(ITERS / 10);
    expect(faults).toBeGreaterThan(ITERS / 10);
  });

  it('agrees on long random programs that span several JIT chunks', () => {
    const rng = new Prng(0x10ad);
    for (let i = 0; i < Math.max(20, ITERS / 15); i++) {
      const insns = randomInsns(rng, 200 + rng.nextInt(600));
      const [a, b, c] = runBoth(insns, undefined, 5000);
      expect(b).toEqual(a);
      expect(c).toEqual(a);
    }
  });

  it('turns random bytes into clean load errors or identical runs', () => {
    const rng = new Prng(42);
    for (let i = 0; i < ITERS; i++) {
      const bytes = Uint8Array.from({ length: 8 * (1 + rng.nextInt(12)) }, () => rng.nextInt(256));
      const insns = decodeInsns(bytes);
      cleanly(() => bpfCheckInsns(insns));
      const [a, b, c] = runBoth(insns, undefined, 500);
      expect(b).toEqual(a);
      expect(c).toEqual(a);
    }
  });

  it('gives only assembler errors for random text, in both syntaxes', () => {
    const rng = new Prng(7);
    const vocab = [
      'r1',
      'w2',
      '%r3',
      '=',
      '+=',
      's>>=',
      '*',
      '(',
      ')',
      'u32',
      '-',
      '8',
      '0x10',
      'goto',
      'if',
      'call',
      'exit',
      'lock',
      'fetch',
      'add',
      '[%r1+4]',
      ',',
      'l1',
      'l1:',
      'ldxw',
      'mov',
      'lddw',
      'ja',
      'jeq',
      '#',
      ';',
      'll',
      'map[id:1]',
      'be16',
      '%r99',
      'atomic64_fetch_add',
      'r10',
      'pc+1',
      '0xffffffffffffffffff',
      'subprog[+1]',
    ];
    for (let i = 0; i < ITERS * 3; i++) {
      const lines = Array.from({ length: 1 + rng.nextInt(4) }, () =>
        Array.from({ length: rng.nextInt(7) }, () => vocab[rng.nextInt(vocab.length)]).join(' '),
      );
      const src = lines.join('\n');
      cleanly(() => assembleKernel(src));
      cleanly(() => assembleUbpf(src));
    }
  });

  it('round-trips random valid programs through the disassembler and the pseudo-C assembler', () => {
    const rng = new Prng(99);
    for (let i = 0; i < ITERS; i++) {
      const insns = randomInsns(rng, 4 + rng.nextInt(30));
      let valid = true;
      try {
        bpfCheckInsns(insns);
      } catch {
        valid = false;
      }
      if (!valid) continue;
      const text = disassemble(insns);
      expect(assembleKernel(text).insns, text).toEqual(insns);
    }
  });
});

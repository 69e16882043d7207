import { describe, expect, it } from 'vitest';
import { assembleKernel } from './asm-kernel';
import { runBoth, runOn } from './test-util';
import type { EngineOutcome } from './test-util';

/** Assembles pseudo-C, runs it in the three engines, checks they agree, returns the outcome. */
function run(src: string, mem?: Uint8Array, budget?: number): EngineOutcome {
  const [a, b, c] = runBoth(assembleKernel(src).insns, mem, budget);
  expect(b).toEqual(a);
  expect(c).toEqual(a);
  return a;
}

function r0(src: string, mem?: Uint8Array): bigint {
  const o = run(src, mem);
  if ('error' in o) throw new Error(o.error);
  return o.retval;
}

const U64 = (x: bigint): bigint => BigInt.asUintN(64, x);

describe('RFC 9669 arithmetic pitfalls (interpreter and JIT)', () => {
  it('division by zero gives 0, modulo by zero leaves dst (ALU64) or zero-extends it (ALU32)', () => {
    expect(r0('r0 = 7\nr1 = 0\nr0 /= r1\nexit')).toBe(0n);
    expect(r0('r0 = 7\nr1 = 0\nr0 %= r1\nexit')).toBe(7n);
    expect(r0('r0 = -1\nw1 = 0\nw0 %= w1\nexit')).toBe(0xffffffffn);
    expect(r0('r0 = -7\nr1 = 0\nr0 s%= r1\nexit')).toBe(U64(-7n));
    expect(r0('r0 = -7\nr0 s/= 0\nexit')).toBe(0n);
  });

  it('LLONG_MIN / -1 is LLONG_MIN and LLONG_MIN % -1 is 0', () => {
    expect(r0('r0 = 0x8000000000000000 ll\nr1 = -1\nr0 s/= r1\nexit')).toBe(0x8000000000000000n);
    expect(r0('r0 = 0x8000000000000000 ll\nr0 s%= -1\nexit')).toBe(0n);
    expect(r0('w0 = 0x80000000\nw0 s/= -1\nexit')).toBe(0x80000000n);
  });

  it('masks shift counts to 63 / 31 and sign-extends ALU64 immediates', () => {
    expect(r0('r0 = 1\nr1 = 65\nr0 <<= r1\nexit')).toBe(2n);
    expect(r0('w0 = 1\nw1 = 33\nw0 <<= w1\nexit')).toBe(2n);
    expect(r0('r0 = 0\nr0 += -1\nexit')).toBe(U64(-1n));
    expect(r0('w0 = 0\nw0 += -1\nexit')).toBe(0xffffffffn);
    expect(r0('r0 = -16\nr0 s>>= 2\nexit')).toBe(U64(-4n));
    expect(r0('r0 = -16\nr0 >>= 60\nexit')).toBe(15n);
  });

  it('computes exact 64-bit products, quotients and remainders', () => {
    const a = 0x123456789abcdef0n;
    const b = 0x0fedcba987654321n;
    expect(r0(`r0 = ${a} ll\nr1 = ${b} ll\nr0 *= r1\nexit`)).toBe(U64(a * b));
    expect(r0(`r0 = ${a} ll\nr1 = 0x12345 ll\nr0 /= r1\nexit`)).toBe(a / 0x12345n);
    expect(r0(`r0 = ${a} ll\nr1 = 0x12345 ll\nr0 %= r1\nexit`)).toBe(a % 0x12345n);
    expect(r0(`r0 = -${a} ll\nr1 = 0x12345 ll\nr0 s/= r1\nexit`)).toBe(U64(-a / 0x12345n));
    expect(r0(`r0 = -${a} ll\nr1 = 0x12345 ll\nr0 s%= r1\nexit`)).toBe(U64(-(a % 0x12345n)));
  });

  it('sign-extends movsx and ldxs*, and byte-swaps', () => {
    expect(r0('r1 = 0x80\nr0 = (s8)r1\nexit')).toBe(U64(-128n));
    expect(r0('r1 = 0xffff8000 ll\nw0 = (s16)w1\nexit')).toBe(0xffff8000n);
    expect(r0('r0 = 0x11223344\nr0 = bswap16 r0\nexit')).toBe(0x4433n);
    expect(r0('r0 = 0x1122334455667788 ll\nr0 = be64 r0\nexit')).toBe(0x8877665544332211n);
    expect(r0('*(u16 *)(r10 - 2) = 0xfffe\nr0 = *(s16 *)(r10 - 2)\nexit')).toBe(U64(-2n));
  });

  it('runs every atomic with the right fetch and cmpxchg results', () => {
    const prog = (body: string): string => `*(u64 *)(r10 - 8) = 10\nr1 = 3\n${body}\nexit`;
    expect(r0(prog('r1 = atomic64_fetch_add((u64 *)(r10 -8), r1)\nr0 = *(u64 *)(r10 - 8)\nr0 <<= 8\nr0 |= r1'))).toBe(
      (13n << 8n) | 10n,
    );
    expect(r0(prog('lock *(u64 *)(r10 - 8) |= r1\nr0 = *(u64 *)(r10 - 8)'))).toBe(11n);
    expect(
      r0(prog('r0 = 10\nr0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)\nr2 = *(u64 *)(r10 - 8)\nr0 <<= 8\nr0 |= r2')),
    ).toBe((10n << 8n) | 3n);
    expect(
      r0(prog('r0 = 9\nr0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)\nr2 = *(u64 *)(r10 - 8)\nr0 <<= 8\nr0 |= r2')),
    ).toBe((10n << 8n) | 10n);
    expect(r0(prog('r1 = -1\nr1 = atomic_xchg((u32 *)(r10 -8), r1)\nr0 = *(u64 *)(r10 - 8)\nr0 ^= r1'))).toBe(
      0xffffffffn ^ 10n,
    );
  });
});

describe('memory safety and limits', () => {
  it('faults on accesses outside the stack frame with the same message in both engines', () => {
    const o = run('r0 = *(u64 *)(r10 + 0)\nexit');
    expect(o).toMatchObject({ errno: 'EFAULT' });
    expect((o as { error: string }).error).toMatch(
      /^out of bounds memory load at insn 0, addr 0xffff888[0-9a-f]{9}, size 8$/,
    );
    const below = run('*(u8 *)(r10 - 513) = 1\nexit');
    expect((below as { error: string }).error).toMatch(/^out of bounds memory store at insn 0, addr .*, size 1$/);
  });

  it('faults on NULL and on forged pointers', () => {
    expect(run('r1 = 0\nr0 = *(u32 *)(r1 + 0)\nexit')).toEqual({
      error: 'out of bounds memory load at insn 1, addr 0x0, size 4',
      errno: 'EFAULT',
    });
    expect(run('r1 = 0x1234567800000000 ll\n*(u32 *)(r1 + 0) = 1\nexit')).toMatchObject({ errno: 'EFAULT' });
  });

  it('bounds-checks the context buffer exactly at its end', () => {
    const mem = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(r0('r0 = *(u32 *)(r1 + 4)\nexit', mem)).toBe(0x08070605n);
    expect(run('r0 = *(u32 *)(r1 + 5)\nexit', mem)).toMatchObject({ errno: 'EFAULT' });
    expect(run('r1 += -1\nr0 = *(u8 *)(r1 + 0)\nexit', mem)).toMatchObject({ errno: 'EFAULT' });
  });

  it('gives each call frame its own 512-byte stack and preserves r6-r9', () => {
    const src = `
      *(u64 *)(r10 - 8) = 111
      r6 = 6
      call f
      r1 = *(u64 *)(r10 - 8)
      r0 += r1
      r0 += r6
      exit
    f:
      *(u64 *)(r10 - 8) = 222
      r6 = 0
      r0 = *(u64 *)(r10 - 8)
      exit`;
    expect(r0(src)).toBe(222n + 111n + 6n);
  });

  it('stops a recursion at 8 frames', () => {
    expect(run('call f\nexit\nf:\ncall f\nexit')).toEqual({
      error: 'the call stack of 9 frames is too deep !',
      errno: 'EINVAL',
    });
  });

  it('runs programs longer than one JIT chunk: loops, calls and budget stops across chunks', () => {
    const pad = (n: number, op: string): string => Array.from({ length: n }, () => op).join('\n');
    const src = `r0 = 0\nr6 = 20\nloop:\n${pad(150, 'r0 += 1')}\ncall far\n${pad(150, 'r0 ^= 3')}\nr6 -= 1\nif r6 != 0 goto loop\nexit\nfar:\n${pad(250, 'r0 += 2')}\nexit`;
    const o = run(src);
    expect(o).toMatchObject({ insns: 2 + 20 * (150 + 1 + 150 + 2 + 251) + 1 });
    // r0 after each iteration: ((r0 + 150 + 500) ^ 3 applied 150 times = identity) => 20 * 650
    expect(o).toMatchObject({ retval: 20n * 650n });
    for (const budget of [100, 333, 5000, 11079]) {
      const b = run(src, undefined, budget);
      expect(b).toMatchObject({ errno: 'ETIMEDOUT' });
    }
  });

  it('may_goto counts down BPF_MAX_LOOPS per frame, then jumps', () => {
    expect(run('r0 = 0\nl:\nmay_goto out\nr0 += 1\nif r0 != 10 goto l\nout:\nexit')).toMatchObject({
      retval: 10n,
      insns: 1 + 30 + 1,
    });
    const loop = assembleKernel('r0 = 0\nl:\nmay_goto out\nr0 += 1\ngoto l\nout:\nexit').insns;
    // The full 2^23 iterations only through the JIT (25M instructions).
    expect(runOn('jit', loop, undefined, 1e8)).toMatchObject({ retval: 8388608n, insns: 1 + 3 * 8388608 + 2 });
    expect(runOn('wasm', loop, undefined, 1e8)).toMatchObject({ retval: 8388608n, insns: 1 + 3 * 8388608 + 2 });
    expect(run('may_goto +0\nr0 = 0\nexit')).toMatchObject({ retval: 0n });
  });

  it('stops a program at its instruction budget and counts instructions identically', () => {
    expect(run('goto -1', undefined, 1000)).toEqual({
      error: 'instruction budget of 1000 exhausted at insn 0',
      errno: 'ETIMEDOUT',
    });
    const loop = 'r0 = 0\nr1 = 10\nl:\nr0 += r1\nr1 -= 1\nif r1 != 0 goto l\nexit';
    // 2 + 10 * 3 + 1 = 33 instructions
    expect(run(loop, undefined, 33)).toMatchObject({ retval: 55n, insns: 33 });
    expect(run(loop, undefined, 32)).toEqual({
      error: 'instruction budget of 32 exhausted at insn 5',
      errno: 'ETIMEDOUT',
    });
  });
});

describe('addresses carry into the hi word, as a 64-bit add does', () => {
  const mem = (): Uint8Array => Uint8Array.from({ length: 16 }, (_, i) => i + 1);

  it('reaches the object from a pointer moved below it, at every load and store size', () => {
    // r1 points at the object's first byte; moved 8 below it, the instruction's +8 brings it back.
    expect(r0('r1 += -8\nr0 = *(u64 *)(r1 + 8)\nexit', mem())).toBe(0x0807060504030201n);
    expect(r0('r1 += -8\nr0 = *(u32 *)(r1 + 12)\nexit', mem())).toBe(0x08070605n);
    expect(r0('r1 += -8\nr0 = *(u16 *)(r1 + 8)\nexit', mem())).toBe(0x0201n);
    expect(r0('r1 += -8\nr0 = *(u8 *)(r1 + 9)\nexit', mem())).toBe(2n);
    expect(r0('r1 += -8\nr0 = *(s8 *)(r1 + 8)\nexit', mem())).toBe(1n);
    const st = run(
      'r1 += -16\n*(u64 *)(r1 + 16) = 0\n*(u32 *)(r1 + 24) = 7\nr2 = 9\n*(u16 *)(r1 + 28) = r2\nr0 = 0\nexit',
      mem(),
    );
    expect(st).toMatchObject({ mem: '0,0,0,0,0,0,0,0,7,0,0,0,9,0,15,16' });
    const at = run('r1 += -4\nr2 = 5\nlock *(u32 *)(r1 + 4) += r2\nr0 = *(u32 *)(r1 + 4)\nexit', mem());
    expect(at).toMatchObject({ retval: 0x04030206n });
  });

  it('reaches the object from a pointer past its end moved back by a negative offset', () => {
    // 2^32 past the object's base would be the next region; 8 past the end, -8 lands inside.
    expect(r0('r1 += 24\nr0 = *(u64 *)(r1 - 16)\nexit', mem())).toBe(0x100f0e0d0c0b0a09n);
  });

  it('still faults where the carried address is outside the object, naming the carried address', () => {
    const o = run('r1 += -16\nr0 = *(u64 *)(r1 + 8)\nexit', mem());
    expect(o).toMatchObject({ errno: 'EFAULT' });
    expect('error' in o && o.error).toMatch(/^out of bounds memory load at insn 1, addr 0x[0-9a-f]+fffffff8, size 8$/);
  });
});

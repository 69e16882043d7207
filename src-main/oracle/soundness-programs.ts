/**
 * Seeded assembly programs for the soundness runs: stack and map accesses with computed offsets, branches,
 * bounded loops, iterator loops and bpf-to-bpf calls, the shapes where a verifier that loses track of a bound
 * accepts a program that faults. Both verdicts occur; the accepted ones are what the runs check.
 */
import type { Prng } from '../engines/common/prng';

/** Straight-line code, bounded loops, iterator loops and map lookups over r6..r8; needs an array map `m`. */
export function mapLoopProgram(rng: Prng): string {
  const pick = <T>(xs: readonly T[]): T => xs[rng.nextU32() % xs.length]!;
  const reg = (): string => `r${pick([6, 7, 8])}`;
  const lines: string[] = ['r6 = 0', 'r7 = 0', 'r8 = 0', '*(u32 *)(r10 - 4) = 0', 'r9 = m ll'];
  const n = 6 + (rng.nextU32() % 10);
  let label = 0;
  for (let i = 0; i < n; i++) {
    switch (rng.nextU32() % 9) {
      case 0:
        lines.push('call bpf_get_prandom_u32', `${reg()} = r0`);
        break;
      case 1:
        lines.push(`${reg()} &= ${pick([3, 7, 15, 31, 63, 255])}`);
        break;
      case 2:
        lines.push(`${reg()} += ${pick([-8, -1, 1, 4, 8])}`);
        break;
      case 3: {
        const r = reg();
        const l = `s${label++}`;
        lines.push(
          `if ${r} > ${pick([3, 7, 8, 15, 56])} goto ${l}`,
          `r1 = r10`,
          `r1 += -64`,
          `r1 += ${r}`,
          `*(u8 *)(r1 + 0) = 1`,
          `${l}:`,
        );
        break;
      }
      case 4: {
        const r = reg();
        const l = `m${label++}`;
        lines.push(
          'r1 = r9',
          'r2 = r10',
          'r2 += -4',
          'call bpf_map_lookup_elem',
          `if r0 == 0 goto ${l}`,
          `if ${r} > ${pick([3, 4, 12, 15])} goto ${l}`,
          'r0 += ' + r,
          `r1 = *(u8 *)(r0 + 0)`,
          `${l}:`,
        );
        break;
      }
      case 5: {
        const l = `i${label++}`;
        lines.push(
          'r1 = r10',
          'r1 += -16',
          'r2 = 0',
          `r3 = ${pick([1, 3, 10])}`,
          'call bpf_iter_num_new',
          `${l}:`,
          'r1 = r10',
          'r1 += -16',
          'call bpf_iter_num_next',
          `if r0 == 0 goto ${l}_e`,
          `r1 = *(u32 *)(r0 + 0)`,
          `${reg()} += r1`,
          `goto ${l}`,
          `${l}_e:`,
          'r1 = r10',
          'r1 += -16',
          'call bpf_iter_num_destroy',
        );
        break;
      }
      case 6: {
        const r = reg();
        const l = `b${label++}`;
        lines.push(`${r} = 0`, `${l}:`, `${r} += 1`, `if ${r} < ${pick([2, 5, 9])} goto ${l}`);
        break;
      }
      case 7:
        lines.push(
          `*(u64 *)(r10 - ${pick([24, 32, 40])}) = ${reg()}`,
          `${reg()} = *(u64 *)(r10 - ${pick([24, 32, 40])})`,
        );
        break;
      default:
        lines.push(`${reg()} ${pick(['*=', '|=', '^=', '<<=', '>>='])} ${pick([1, 2, 3])}`);
    }
  }
  lines.push('r0 = 0', 'exit');
  return lines.join('\n');
}

/** Programs with bpf-to-bpf calls: values cross frames as arguments, results and through the caller's stack. */
export function callProgram(rng: Prng): string {
  const pick = <T>(xs: readonly T[]): T => xs[rng.nextU32() % xs.length]!;
  const reg = (): string => `r${pick([6, 7, 8])}`;
  let label = 0;
  const body = (regs: () => string, withCall: boolean, depth: number): string[] => {
    const lines: string[] = [];
    const n = 3 + (rng.nextU32() % 6);
    for (let i = 0; i < n; i++) {
      switch (rng.nextU32() % (withCall ? 9 : 7)) {
        case 0:
          lines.push('call bpf_get_prandom_u32', `${regs()} = r0`);
          break;
        case 1:
          lines.push(`${regs()} &= ${pick([3, 7, 15, 63])}`);
          break;
        case 2:
          lines.push(`${regs()} += ${pick([-8, -1, 1, 4, 8])}`);
          break;
        case 3: {
          const r = regs();
          const l = `s${label++}`;
          lines.push(
            `if ${r} > ${pick([3, 7, 8, 15, 56])} goto ${l}`,
            `r1 = r10`,
            `r1 += -64`,
            `r1 += ${r}`,
            `*(u8 *)(r1 + 0) = 1`,
            `${l}:`,
          );
          break;
        }
        case 4: {
          const r = regs();
          lines.push(`*(u64 *)(r10 - ${pick([72, 80])}) = ${r}`, `${regs()} = *(u64 *)(r10 - ${pick([72, 80])})`);
          break;
        }
        case 5: {
          const r = regs();
          const l = `b${label++}`;
          lines.push(`${r} = 0`, `${l}:`, `${r} += 1`, `if ${r} < ${pick([2, 5])} goto ${l}`);
          break;
        }
        case 6: {
          const r = regs();
          const l = `i${label++}`;
          const off = -88 - 8 * depth;
          lines.push(
            'r1 = r10',
            `r1 += ${off}`,
            'r2 = 0',
            `r3 = ${pick([1, 3, 10])}`,
            'call bpf_iter_num_new',
            `${l}:`,
            'r1 = r10',
            `r1 += ${off}`,
            'call bpf_iter_num_next',
            `if r0 == 0 goto ${l}_e`,
            `r1 = *(u32 *)(r0 + 0)`,
            `${r} += r1`,
            `goto ${l}`,
            `${l}_e:`,
            'r1 = r10',
            `r1 += ${off}`,
            'call bpf_iter_num_destroy',
          );
          break;
        }
        case 7:
          lines.push(
            `r1 = ${regs()}`,
            `r2 = r10`,
            `r2 += -72`,
            `*(u64 *)(r10 - 72) = ${regs()}`,
            `call f${pick([1, 2])}`,
            `${regs()} = r0`,
          );
          break;
        default: {
          const r = regs();
          lines.push(
            `r1 = ${r}`,
            'call f1',
            `r1 = r10`,
            'r1 += -64',
            `if r0 > ${pick([7, 56, 63, 64])} goto +2`,
            'r1 += r0',
            '*(u8 *)(r1 + 0) = 2',
          );
        }
      }
    }
    return lines;
  };
  const main = [
    'r6 = 0',
    'r7 = 0',
    'r8 = 0',
    '*(u64 *)(r10 - 72) = 0',
    '*(u64 *)(r10 - 80) = 0',
    ...body(reg, true, 0),
    'r0 = 0',
    'exit',
  ];
  // f1(x, p): works on r6-r8 from x and the caller's slot at p; returns a derived value.
  const f1 = [
    'f1:',
    'r6 = r1',
    'r7 = 0',
    'r8 = 0',
    '*(u64 *)(r10 - 72) = 0',
    '*(u64 *)(r10 - 80) = 0',
    ...body(reg, false, 1),
    `r0 = ${reg()}`,
    'exit',
  ];
  const f2 = [
    'f2:',
    'r6 = r1',
    'r7 = *(u64 *)(r2 + 0)',
    'r8 = r2',
    `if r7 > ${pick([7, 15, 63])} goto +3`,
    'r8 = r10',
    'r8 += -64',
    'r8 += r7',
    '*(u8 *)(r8 + 0) = 3',
    `r0 = ${pick(['r6', 'r7'])}`,
    'exit',
  ];
  return [...main, ...f1, ...f2].join('\n');
}

/**
 * Spills and fills of every size at every offset, narrow stores over spilled slots, and the filled value used as
 * an offset into the stack or a map value with or without a bounds check: a verifier that believes a fill gives
 * a value it does not (the bytes were never written, or a narrow store changed them) accepts an access that
 * faults once unwritten stack holds garbage. Needs an array map `m` with 16-byte values.
 */
export function spillFillProgram(rng: Prng): string {
  const pick = <T>(xs: readonly T[]): T => xs[rng.nextU32() % xs.length]!;
  const sizes = ['u8', 'u16', 'u32', 'u64'] as const;
  const bytes = { u8: 1, u16: 2, u32: 4, u64: 8 } as const;
  const off = (sz: (typeof sizes)[number]): number => {
    const slot = 8 * (1 + (rng.nextU32() % 6));
    const within = rng.nextU32() % 4 === 0 ? rng.nextU32() % 8 : (rng.nextU32() % (8 / bytes[sz])) * bytes[sz];
    return -slot + within;
  };
  const lines = [
    'call bpf_get_prandom_u32',
    'r6 = r0',
    `r7 = ${pick([0, 1, 3, 7, 8, 15, 16, 63, 64, -1, 255, 0x10000])}`,
    'r8 = 0',
  ];
  if (rng.nextU32() % 2) lines.push(`*(u64 *)(r10 - ${pick([8, 16, 24, 32, 40, 48])}) = ${pick([0, 1, 'r6', 'r7'])}`);
  let label = 0;
  const n = 3 + (rng.nextU32() % 8);
  for (let i = 0; i < n; i++) {
    const sz = pick(sizes);
    switch (rng.nextU32() % 6) {
      case 0:
        lines.push(`*(${sz} *)(r10 ${off(sz)}) = ${pick(['r6', 'r7', 'r8'])}`);
        break;
      case 1:
        lines.push(`*(${sz} *)(r10 ${off(sz)}) = ${pick([0, 1, 7, -1, 0x7f])}`);
        break;
      case 2:
        lines.push(`r2 = r10`, `r2 += ${pick([-8, -16, -24])}`, `*(u64 *)(r10 ${off('u64')}) = r2`);
        break;
      case 3:
        lines.push(`${pick(['r3', 'r4', 'r5'])} = *(${sz} *)(r10 ${off(sz)})`);
        break;
      case 4: {
        const r = pick(['r3', 'r4', 'r5']);
        const l = `s${label++}`;
        lines.push(`${r} = *(${sz} *)(r10 ${off(sz)})`);
        if (rng.nextU32() % 2) lines.push(`if ${r} > ${pick([7, 15, 56, 63])} goto ${l}`);
        lines.push('r1 = r10', 'r1 += -64', `r1 += ${r}`, '*(u8 *)(r1 + 0) = 1', `${l}:`);
        break;
      }
      default: {
        const r = pick(['r6', 'r7', 'r8']);
        const l = `m${label++}`;
        lines.push(
          `*(${sz} *)(r10 - 56) = ${r}`,
          '*(u32 *)(r10 - 60) = 0',
          'r1 = m ll',
          'r2 = r10',
          'r2 += -60',
          'call bpf_map_lookup_elem',
          `if r0 == 0 goto ${l}`,
        );
        lines.push(`r3 = *(${pick(sizes)} *)(r10 - 56)`);
        if (rng.nextU32() % 2) lines.push(`if r3 > ${pick([7, 15, 16])} goto ${l}`);
        lines.push('r0 += r3', 'r1 = *(u8 *)(r0 + 0)', `${l}:`);
      }
    }
  }
  lines.push('r0 = 0', 'exit');
  return lines.join('\n');
}

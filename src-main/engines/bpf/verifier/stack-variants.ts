/**
 * Systematic stack programs for the verifier's spill / fill / precision rules (kernel/bpf/verifier.c of Linux 6.18:
 * check_stack_write_fixed_off(), save_register_state(), check_stack_read_fixed_off(), mark_reg_stack_read(),
 * check_stack_read_var_off(), check_stack_range_initialized(), check_stack_write_var_off(), and the
 * mark_chain_precision() of a zero stored as STACK_ZERO). Each variant is a raw_tracepoint program; the kernel's
 * verdict, errno and log for each are what the model must give (stack.test.ts).
 */

/** One generated program. */
export interface StackVariant {
  /** Which class of rule it exercises. */
  set: 'spill-fill' | 'frames' | 'var-off' | 'helper-stack' | 'zero-precision';
  /** A stable key: the parameters of the variant. */
  key: string;
  asm: string;
}

const SIZE_NAME: Record<number, string> = { 1: 'u8', 2: 'u16', 4: 'u32', 8: 'u64' };

/**
 * Values a slot can be given, each in r9 (the setup leaves r6 = ctx, r7 = unknown 64-bit, r8 = unknown in
 * [0, 255], r3 = 0 for the narrow overwrites).
 */
const KINDS: Record<string, string> = {
  const: 'r9 = 5',
  zero: 'r9 = 0',
  unknown: 'r9 = r7',
  bounded: 'r9 = r8',
  pointer: 'r9 = r6',
};

/** A later narrow store over part of the slot at fp-8 (none, a spill of an imm, misaligned data, a misaligned zero). */
const OVERWRITES: Record<string, string> = {
  none: '',
  'st-imm-u8@-8': '*(u8 *)(r10 -8) = 7\n',
  'stx-unknown-u8@-3': '*(u8 *)(r10 -3) = r7\n',
  'stx-zero-u16@-6': '*(u16 *)(r10 -6) = r3\n',
};

const SETUP = 'r6 = r1\ncall bpf_get_prandom_u32\nr7 = r0\nr8 = r0\nr8 &= 255\nr3 = 0\n';

/** Every slot position of an access of `size` bytes inside the slot at fp-8 (fp-8, fp-8+size, ...), as fp offsets. */
function positions(size: number): number[] {
  const out: number[] = [];
  for (let o = -8; o + size <= 0; o += size) out.push(o);
  return out;
}

/**
 * Spill (every size and position) x fill (every size and position) x value kind x later narrow overwrite. The
 * filled r2 is then compared with 5 and dereferenced on the other path: a constant 5 skips the load, anything
 * else must be rejected ("R2 invalid mem access 'scalar'") unless it is the spilled pointer.
 */
export function spillFillVariants(): StackVariant[] {
  const out: StackVariant[] = [];
  for (const [kind, setValue] of Object.entries(KINDS)) {
    for (const spillSize of [1, 2, 4, 8]) {
      for (const spillOff of positions(spillSize)) {
        for (const [ow, overwrite] of Object.entries(OVERWRITES)) {
          for (const fillSize of [1, 2, 4, 8]) {
            for (const fillOff of positions(fillSize)) {
              const asm =
                `${SETUP}${setValue}\n*(${SIZE_NAME[spillSize]} *)(r10 ${spillOff}) = r9\n${overwrite}` +
                `r2 = *(${SIZE_NAME[fillSize]} *)(r10 ${fillOff})\nif r2 == 5 goto +1\nr0 = *(u64 *)(r2 +0)\nr0 = 0\nexit`;
              out.push({
                set: 'spill-fill',
                key: `${kind} spill u${spillSize * 8}@${spillOff} ${ow} fill u${fillSize * 8}@${fillOff}`,
                asm,
              });
            }
          }
        }
      }
    }
  }
  return out;
}

/** More spilled values, each a store of `size` bytes at `off`: imm stores (sign-extended imm), wide and 32-bit values, fp. */
const MORE_KINDS: Record<string, (size: number, off: number) => string> = {
  'st-imm-5': (size, off) => `*(${SIZE_NAME[size]} *)(r10 ${off}) = 5`,
  'st-imm-minus-1': (size, off) => `*(${SIZE_NAME[size]} *)(r10 ${off}) = -1`,
  'minus-1': (size, off) => `r9 = -1\n*(${SIZE_NAME[size]} *)(r10 ${off}) = r9`,
  'w-minus-1': (size, off) => `w9 = -1\n*(${SIZE_NAME[size]} *)(r10 ${off}) = r9`,
  '0x1ff': (size, off) => `r9 = 0x1ff\n*(${SIZE_NAME[size]} *)(r10 ${off}) = r9`,
  fp: (size, off) => `r9 = r10\n*(${SIZE_NAME[size]} *)(r10 ${off}) = r9`,
};

/** Uses of the filled r2: a dereference, and a stack index (needs r2 precise: backtracking through fill and spill). */
const USES: Record<string, string> = {
  deref: 'if r2 == 5 goto +1\nr0 = *(u64 *)(r2 +0)\nr0 = 0\nexit',
  index: 'r1 = r10\nr1 += -64\nr2 &= 31\nr1 += r2\nr0 = *(u8 *)(r1 +0)\nr0 = 0\nexit',
};

/** Spill x fill (every size and position) of the values of MORE_KINDS, each filled value dereferenced or used as an index. */
export function spillFillKindVariants(): StackVariant[] {
  const out: StackVariant[] = [];
  const init = '*(u64 *)(r10 -64) = r3\n*(u64 *)(r10 -56) = r3\n*(u64 *)(r10 -48) = r3\n*(u64 *)(r10 -40) = r3\n';
  for (const [kind, store] of Object.entries(MORE_KINDS)) {
    for (const spillSize of [1, 2, 4, 8]) {
      for (const spillOff of positions(spillSize)) {
        for (const fillSize of [1, 2, 4, 8]) {
          for (const fillOff of positions(fillSize)) {
            for (const [use, tail] of Object.entries(USES)) {
              const asm = `${SETUP}${init}${store(spillSize, spillOff)}\nr2 = *(${SIZE_NAME[fillSize]} *)(r10 ${fillOff})\n${tail}`;
              out.push({
                set: 'spill-fill',
                key: `${kind} spill u${spillSize * 8}@${spillOff} fill u${fillSize * 8}@${fillOff} ${use}`,
                asm,
              });
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * Spills and fills across a bpf-to-bpf call through a pointer to the caller's fp-8: the callee stores and the
 * caller fills, or the caller stores and the callee fills, at every size and position; the filled value indexes
 * the caller's stack (precision backtracked across the frames). A pointer to a stack may not be spilled into the
 * caller's frame ("cannot spill pointers to stack into stack frame of the caller").
 */
export function frameVariants(): StackVariant[] {
  const out: StackVariant[] = [];
  const FRAME_KINDS: Record<string, string> = {
    const: 'r2 = 5',
    unknown: 'call bpf_get_prandom_u32\nr2 = r0',
    fp: 'r2 = r10',
    'caller-fp': 'r2 = r6',
  };
  const main = 'r3 = 0\n*(u64 *)(r10 -24) = r3\n*(u64 *)(r10 -32) = r3\nr6 = r10\nr6 += -8\nr1 = r6\n';
  for (const [kind, setValue] of Object.entries(FRAME_KINDS)) {
    for (const spillSize of [1, 2, 4, 8]) {
      for (const spillOff of positions(spillSize)) {
        for (const fillSize of [1, 2, 4, 8]) {
          for (const fillOff of positions(fillSize)) {
            const so = spillOff + 8;
            const fo = fillOff + 8;
            const store = `*(${SIZE_NAME[spillSize]} *)(r6 +${so}) = r2`;
            const callee =
              `${main}call f\nr2 = *(${SIZE_NAME[fillSize]} *)(r10 ${fillOff})\nr1 = r10\nr1 += -32\nr2 &= 15\nr1 += r2\n` +
              `r0 = *(u8 *)(r1 +0)\nr0 = 0\nexit\nf:\nr6 = r1\n${setValue.replace('r6', 'r1')}\n${store}\nr0 = 0\nexit`;
            const caller =
              `${main}${setValue}\n${store}\nr1 = r6\ncall f\nr0 = 0\nexit\nf:\nr2 = *(${SIZE_NAME[fillSize]} *)(r1 +${fo})\n` +
              'r3 = r10\nr3 += -32\nr2 &= 15\nr3 += r2\nr0 = *(u8 *)(r3 +0)\nr0 = 0\nexit';
            const key = `${kind} spill u${spillSize * 8}@${spillOff} fill u${fillSize * 8}@${fillOff}`;
            out.push({ set: 'frames', key: `callee stores ${key}`, asm: callee });
            out.push({ set: 'frames', key: `caller stores ${key}`, asm: caller });
          }
        }
      }
    }
  }
  return out;
}

/** What the two slots fp-16 and fp-8 hold before a variable-offset access over them. */
const VAR_CONTENTS: Record<string, string> = {
  invalid: '',
  misc: '*(u32 *)(r10 -12) = r7\n*(u32 *)(r10 -4) = r7\n*(u32 *)(r10 -16) = r7\n*(u32 *)(r10 -8) = r7\n',
  zero: 'r4 = 0\n*(u32 *)(r10 -12) = r4\n*(u32 *)(r10 -16) = r4\n*(u32 *)(r10 -4) = r4\n*(u32 *)(r10 -8) = r4\n',
  'spilled-const': 'r4 = 5\n*(u64 *)(r10 -16) = r4\n*(u64 *)(r10 -8) = r4\n',
  'spilled-zero': 'r4 = 0\n*(u64 *)(r10 -16) = r4\n*(u64 *)(r10 -8) = r4\n',
  'spilled-u32': '*(u32 *)(r10 -16) = r8\n*(u32 *)(r10 -8) = r8\n',
  'spilled-pointer': '*(u64 *)(r10 -16) = r6\nr4 = r10\n*(u64 *)(r10 -8) = r4\n',
  iterator: 'r1 = r10\nr1 += -16\nr2 = 0\nr3 = 3\ncall bpf_iter_num_new\n',
};

/**
 * Variable-offset loads and stores over two slots: r1 = fp-16 + (r8 & mask) for each access size (the mask keeps
 * the access aligned and inside the 16 bytes), each content of the slots, and for stores each kind of value. Both
 * slots are then read back with fixed offsets so that their state shows in the log.
 */
export function varOffVariants(): StackVariant[] {
  const out: StackVariant[] = [];
  const ACCESS: [number, number][] = [
    [1, 15],
    [2, 14],
    [4, 12],
    [8, 8],
  ];
  const VALUES: Record<string, string> = {
    'reg-zero': '= r3',
    'reg-unknown': '= r7',
    'imm-zero': '= 0',
    'imm-5': '= 5',
  };
  for (const [what, content] of Object.entries(VAR_CONTENTS)) {
    for (const [size, mask] of ACCESS) {
      const head = `${SETUP}${content}r3 = 0\nr1 = r10\nr1 += -16\nr5 = r8\nr5 &= ${mask}\nr1 += r5\n`;
      const readBack = 'r4 = *(u64 *)(r10 -16)\nr5 = *(u64 *)(r10 -8)\nr0 = 0\nexit';
      out.push({
        set: 'var-off',
        key: `${what} load u${size * 8}`,
        asm: `${head}r2 = *(${SIZE_NAME[size]} *)(r1 +0)\nif r2 == 5 goto +1\nr0 = *(u64 *)(r2 +0)\nr0 = 0\nexit`,
      });
      for (const [v, src] of Object.entries(VALUES)) {
        // Read back as a u32 where the slot holds a narrow spill (a u64 fill of it is its own class, above).
        const rb = what === 'spilled-u32' ? readBack.replace(/u64/g, 'u32') : readBack;
        out.push({
          set: 'var-off',
          key: `${what} store u${size * 8} ${v}`,
          asm: `${head}*(${SIZE_NAME[size]} *)(r1 +0) ${src}\n${rb}`,
        });
      }
    }
    // An atomic add reads without a destination register: no variable offset for it (check_stack_read()).
    out.push({
      set: 'var-off',
      key: `${what} atomic add u64`,
      asm: `${SETUP}${content}r1 = r10\nr1 += -16\nr5 = r8\nr5 &= 8\nr1 += r5\nr2 = 1\nlock *(u64 *)(r1 +0) += r2\nr0 = 0\nexit`,
    });
  }
  return out;
}

/**
 * Helper arguments over the same two slots, at a fixed and at a variable offset: memory a helper writes
 * (bpf_get_current_comm, bpf_probe_read_kernel: raw_mode, written byte by byte after the call, or clobbered as it is
 * checked when the stack pointer's offset varies; also with a size that is not a constant) and memory it reads
 * (bpf_trace_printk's format). Both slots are read back.
 */
export function helperVariants(): StackVariant[] {
  const out: StackVariant[] = [];
  const readBack = 'r4 = *(u64 *)(r10 -16)\nr5 = *(u64 *)(r10 -8)\nr0 = 0\nexit';
  const PTRS: Record<string, string> = {
    fixed: 'r1 = r10\nr1 += -16\n',
    var: 'r1 = r10\nr1 += -16\nr5 = r8\nr5 &= 8\nr1 += r5\n',
  };
  const CALLS: Record<string, string> = {
    'get_current_comm 8': 'r2 = 8\ncall bpf_get_current_comm',
    'probe_read_kernel 8': 'r2 = 8\nr3 = 0\ncall bpf_probe_read_kernel',
    'probe_read_kernel 1..8': 'r2 = r8\nr2 &= 7\nr2 += 1\nr3 = 0\ncall bpf_probe_read_kernel',
    'trace_printk 8': 'r2 = 8\ncall bpf_trace_printk',
  };
  for (const [what, content] of Object.entries(VAR_CONTENTS)) {
    for (const [ptr, setPtr] of Object.entries(PTRS)) {
      for (const [call, asm] of Object.entries(CALLS)) {
        out.push({
          set: 'helper-stack',
          key: `${what} ${ptr} ${call}`,
          asm: `${SETUP}${content}${setPtr}${asm}\n${readBack}`,
        });
      }
    }
  }
  return out;
}

/**
 * A zero stored from a register whose value came from a path-dependent one (r8 = 1 or 2 at a join), at every
 * size and position in the slot: a misaligned store is STACK_ZERO and marks the register precise back to the join's
 * checkpoint, so the second path is not pruned there; an aligned one is a spill (no mark). Also a variable-offset
 * zero over zeros.
 */
export function zeroPrecisionVariants(): StackVariant[] {
  const out: StackVariant[] = [];
  // Enough instructions before the join for the kernel to checkpoint it (is_state_visited(): 2 jumps and 8 insns).
  const head =
    'call bpf_get_prandom_u32\nr1 = 0\nr2 = 0\nr3 = 0\nr4 = 0\nr5 = 0\nif r0 > 5 goto a\nr8 = 1\ngoto j\na:\nr8 = 2\nj:\nr7 = r8\n';
  const tail = 'r0 = 0\nexit';
  for (const zeroing of ['r7 *= 0', 'r7 &= 0']) {
    for (const size of [1, 2, 4, 8]) {
      for (const off of positions(size)) {
        out.push({
          set: 'zero-precision',
          key: `${zeroing} stx u${size * 8}@${off}`,
          asm: `${head}${zeroing}\n*(${SIZE_NAME[size]} *)(r10 ${off}) = r7\n${tail}`,
        });
      }
    }
  }
  for (const size of [1, 2, 4, 8]) {
    for (const off of positions(size))
      out.push({
        set: 'zero-precision',
        key: `st u${size * 8}@${off} = 0`,
        asm: `${head}*(${SIZE_NAME[size]} *)(r10 ${off}) = 0\n${tail}`,
      });
  }
  // Over STACK_ZERO bytes (kept zero: the register must be precise), and over a spilled zero (kept as a spill).
  for (const [what, init] of [
    ['zero', 'r4 = 0\n*(u32 *)(r10 -12) = r4\n*(u32 *)(r10 -16) = r4\n'],
    ['spilled-zero', 'r4 = 0\n*(u64 *)(r10 -16) = r4\n'],
  ]) {
    out.push({
      set: 'zero-precision',
      key: `var-off zero over ${what}`,
      asm: `${init}${head}r7 &= 0\ncall bpf_get_prandom_u32\nr0 &= 4\nr1 = r10\nr1 += -16\nr1 += r0\n*(u32 *)(r1 +0) = r7\n${tail}`,
    });
  }
  return out;
}

/** Every variant, in a fixed order. */
export function stackVariants(): StackVariant[] {
  return [
    ...spillFillVariants(),
    ...spillFillKindVariants(),
    ...frameVariants(),
    ...varOffVariants(),
    ...helperVariants(),
    ...zeroPrecisionVariants(),
  ];
}

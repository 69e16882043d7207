import { describe, expect, it } from 'vitest';
import { KernelError } from '../common/errors';
import { createBpf, interpExec, jitExec, wasmJitExec, wasmJitUnsupported } from './index';
import type { BpfExecFn, BpfMap } from './index';
import { BPF_F_RDONLY_PROG } from './maps';
import type { BpfMapCreateAttr } from './maps';

type Step =
  { run: true; poison?: number } | { update: [number | bigint, number | bigint] } | { delete: number | bigint };

/**
 * Runs `asm` on a fresh machine per engine (same maps, same entries, same steps) and returns what each engine saw:
 * every run's r0 and instruction count or its fault, and the maps' contents at the end.
 */
function onEngines(
  asm: string,
  maps: Record<string, BpfMapCreateAttr & { entries?: [number, number | bigint][] }>,
  steps: Step[],
): string[][] {
  const engines: [string, BpfExecFn][] = [
    ['interp', interpExec],
    ['jit', jitExec],
    ['wasm', wasmJitExec],
  ];
  return engines.map(([name, exec]) => {
    const k = createBpf();
    const made: Record<string, BpfMap> = {};
    for (const [n, attr] of Object.entries(maps)) {
      const m = k.map_create(attr);
      for (const [key, v] of attr.entries ?? []) m.update(key, v);
      made[n] = m;
    }
    const prog = k.prog_load({ asm, maps: made, verify: false });
    if (name === 'wasm') expect(wasmJitUnsupported(prog.loaded)).toBeUndefined();
    const out: string[] = [];
    for (const s of steps) {
      if ('update' in s) made['m']!.update(s.update[0], s.update[1]);
      else if ('delete' in s) made['m']!.delete(s.delete);
      else {
        try {
          const r = k.runWith(prog, [], { exec, ...(s.poison === undefined ? {} : { poison: s.poison }) });
          out.push(`r0 ${r.retval} after ${r.insns}`);
        } catch (e) {
          if (!(e instanceof KernelError)) throw e;
          out.push(`${e.errno}: ${e.message}`);
        }
      }
    }
    for (const [n, m] of Object.entries(made))
      out.push(
        `${n}: ${m
          .entries()
          .map(([a, b]) => `${a.join('.')}=${b.join('.')}`)
          .join(' ')}`,
      );
    if (name === 'wasm') {
      const m = made['m']!;
      const inline = m.map_type === 1 || m.map_type === 2;
      // A map the program names moved into the WebAssembly memory exactly when its lookups are done inline.
      expect(m.values.lin >= 0).toBe(inline && asm.includes('m ll'));
    }
    return out;
  });
}

function agree(asm: string, maps: Parameters<typeof onEngines>[1], steps: Step[] = [{ run: true }]): string[] {
  const [a, b, c] = onEngines(asm, maps, steps);
  expect(b).toEqual(a);
  expect(c).toEqual(a);
  return a!;
}

/** A loop over keys 0..n-1 (key written with `store`): sums the values found and counts misses in r7. */
const lookupLoop = (n: number, store: string): string => `
  r6 = 0
  r7 = 0
  r8 = ${n}
l:
  r8 -= 1
  ${store}
  r1 = m ll
  r2 = r10
  r2 += -8
  call bpf_map_lookup_elem
  if r0 == 0 goto miss
  r1 = *(u64 *)(r0 + 0)
  r6 += r1
  r1 += 1
  *(u64 *)(r0 + 0) = r1
  goto next
miss:
  r7 += 1
next:
  if r8 != 0 goto l
  r0 = r6
  r0 <<= 16
  r0 |= r7
  exit`;

describe('the WebAssembly JIT does what the interpreter does with maps', () => {
  it('hash maps of every key size up to 8: hits, misses, writes through the value pointer', () => {
    for (const [size, store] of [
      [1, '*(u8 *)(r10 - 8) = r8'],
      [2, '*(u16 *)(r10 - 8) = r8'],
      [4, '*(u32 *)(r10 - 8) = r8'],
      [8, '*(u64 *)(r10 - 8) = r8'],
    ] as const) {
      const entries: [number, number][] = Array.from({ length: 40 }, (_, i) => [i * 3, 1000 + i]);
      const out = agree(
        lookupLoop(130, store),
        { m: { map_type: 'BPF_MAP_TYPE_HASH', key_size: size, value_size: 8, max_entries: 64, entries } },
        [{ run: true }, { update: [4, 7] }, { delete: 3 }, { run: true }],
      );
      expect(out[0]).toMatch(/^r0 \d+ after \d+$/);
    }
  });

  it('a full hash map (its index at its fullest) and an array map, in bounds and out', () => {
    const full: [number, number][] = Array.from({ length: 64 }, (_, i) => [i * 0x10001, i]);
    agree(lookupLoop(300, '*(u32 *)(r10 - 8) = r8'), {
      m: { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 16, max_entries: 64, entries: full },
    });
    agree(
      lookupLoop(20, '*(u32 *)(r10 - 8) = r8'),
      { m: { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 12, max_entries: 9, entries: [[3, 5]] } },
      [{ run: true }, { update: [8, 0x1234] }, { run: true }],
    );
  });

  it('lookups after the program itself updates and deletes (the index follows the helpers)', () => {
    const asm = `
      r6 = 0
      r8 = 40
    l:
      r8 -= 1
      *(u32 *)(r10 - 8) = r8
      *(u64 *)(r10 - 16) = r8
      r1 = m ll
      r2 = r10
      r2 += -8
      r3 = r10
      r3 += -16
      r4 = 0
      call bpf_map_update_elem
      r1 = m ll
      r2 = r10
      r2 += -8
      call bpf_map_lookup_elem
      if r0 == 0 goto skip
      r1 = *(u64 *)(r0 + 0)
      r6 += r1
    skip:
      r9 = r8
      r9 &= 3
      if r9 != 0 goto keep
      r1 = m ll
      r2 = r10
      r2 += -8
      call bpf_map_delete_elem
      r1 = m ll
      r2 = r10
      r2 += -8
      call bpf_map_lookup_elem
      r6 += r0
    keep:
      if r8 != 0 goto l
      r0 = r6
      exit`;
    agree(asm, { m: { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 16 } }, [
      { run: true },
      { run: true },
    ]);
  });

  it('the same faults: a store into a read-only map, a bad map pointer, a key outside its region', () => {
    const store = lookupLoop(3, '*(u32 *)(r10 - 8) = r8');
    const ro = agree(store, {
      m: { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 4, map_flags: BPF_F_RDONLY_PROG },
    });
    expect(ro[0]).toMatch(/^EFAULT: read-only memory \(map\d+ values\) store at insn \d+/);
    const badMap = agree('r1 = r10\nr2 = r10\nr2 += -8\ncall bpf_map_lookup_elem\nexit', {
      m: { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 4 },
    });
    expect(badMap[0]).toBe('EFAULT: bpf_map_lookup_elem: invalid map pointer in R1');
    const badKey = agree('r1 = m ll\nr2 = r10\nr2 += -2\ncall bpf_map_lookup_elem\nexit', {
      m: { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 4 },
    });
    expect(badKey[0]).toBe('EFAULT: bpf_map_lookup_elem: invalid memory in R2');
  });

  it('maps whose lookups stay in the helper (LRU, per-CPU) and poisoned runs agree too', () => {
    const store = '*(u32 *)(r10 - 8) = r8';
    agree(lookupLoop(10, store), {
      m: {
        map_type: 'BPF_MAP_TYPE_LRU_HASH',
        key_size: 4,
        value_size: 8,
        max_entries: 4,
        entries: [
          [1, 1],
          [2, 2],
          [3, 3],
          [4, 4],
        ],
      },
    });
    agree(lookupLoop(10, store), {
      m: { map_type: 'BPF_MAP_TYPE_PERCPU_ARRAY', key_size: 4, value_size: 8, max_entries: 4 },
    });
    agree(
      lookupLoop(10, store),
      { m: { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 8, entries: [[5, 5]] } },
      [{ run: true, poison: 7 }, { run: true }],
    );
  });
});

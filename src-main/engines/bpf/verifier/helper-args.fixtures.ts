/**
 * Programs that vary call classes the encoding-level fuzzer found (kernel/bpf/verifier.c, Linux 6.18): which map
 * types each map-taking helper accepts (check_map_func_compatibility()), the stack bounds of helper memory
 * arguments of every size, zero included (check_helper_mem_access() -> check_stack_range_initialized()), and the
 * frames and combined stack of bpf-to-bpf calls (__check_func_call() during the walk, check_max_stack_depth()
 * after it, over every call instruction). helper-args.test.ts loads each in the model and (where it can) in the
 * running kernel; the kernel's answers are recorded there.
 */
import { createBpf } from '../index';
import type { BpfMapTypeName } from '../maps';
import { answerOf } from './kernel-classes.fixtures';

/** A map as BPF_MAP_CREATE takes it. */
export interface VariantMap {
  map_type: BpfMapTypeName;
  key_size: number;
  value_size: number;
  max_entries: number;
}

/** One program (kernel syntax; `map[id:1]` names the variant's map) and the map it runs with. */
export interface HelperVariant {
  name: string;
  asm: string;
  map: VariantMap;
}

export const MAPS: Record<string, VariantMap> = {
  array: { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 2 },
  percpu_array: { map_type: 'BPF_MAP_TYPE_PERCPU_ARRAY', key_size: 4, value_size: 8, max_entries: 2 },
  hash: { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 2 },
  lru_hash: { map_type: 'BPF_MAP_TYPE_LRU_HASH', key_size: 4, value_size: 8, max_entries: 2 },
  ringbuf: { map_type: 'BPF_MAP_TYPE_RINGBUF', key_size: 0, value_size: 0, max_entries: 4096 },
};

/** fp-16..fp-1 hold zeroes: keys and values for the helpers below. */
const STACK = '*(u64 *)(r10 -8) = 0\n*(u64 *)(r10 -16) = 0\n';

/** Every map-taking helper the model implements, its other arguments well formed. */
const MAP_CALLS: Record<string, string> = {
  'map_lookup_elem#1': 'r1 = map[id:1]\nr2 = r10\nr2 += -8\ncall 1',
  'map_update_elem#2': 'r1 = map[id:1]\nr2 = r10\nr2 += -8\nr3 = r10\nr3 += -16\nr4 = 0\ncall 2',
  'map_delete_elem#3': 'r1 = map[id:1]\nr2 = r10\nr2 += -8\ncall 3',
  'ringbuf_output#130': 'r1 = map[id:1]\nr2 = r10\nr2 += -16\nr3 = 8\nr4 = 0\ncall 130',
  'ringbuf_reserve#131': 'r1 = map[id:1]\nr2 = 8\nr3 = 0\ncall 131\nif r0 == 0 goto +3\nr1 = r0\nr2 = 0\ncall 133',
  'ringbuf_query#134': 'r1 = map[id:1]\nr2 = 0\ncall 134',
};

/** 1. check_map_func_compatibility(): every map-taking helper × every modelled map type. */
export function mapFuncVariants(): HelperVariant[] {
  const out: HelperVariant[] = [];
  for (const [fn, call] of Object.entries(MAP_CALLS))
    for (const [m, map] of Object.entries(MAPS))
      out.push({ name: `${fn} ${m}`, asm: `${STACK}${call}\nr0 = 0\nexit`, map });
  return out;
}

const OFFS = [-520, -513, -512, -17, -16, -9, -8, -1, 0, 8];
const SIZES = [0, 1, 8, 16];

/**
 * 2. Helper memory arguments on the stack: a read (ringbuf_output's data, size 0 allowed), a write
 * (probe_read_kernel's dst, size 0 allowed; get_current_comm's buf, size 0 refused) and a map key of 4 bytes
 * (map_lookup_elem), at offsets inside, at the edges of and outside the stack.
 */
export function stackArgVariants(): HelperVariant[] {
  const out: HelperVariant[] = [];
  for (const off of OFFS) {
    for (const size of SIZES) {
      out.push({
        name: `ringbuf_output data fp${off} size ${size}`,
        asm: `${STACK}r1 = map[id:1]\nr2 = r10\nr2 += ${off}\nr3 = ${size}\nr4 = 0\ncall 130\nr0 = 0\nexit`,
        map: MAPS.ringbuf!,
      });
      out.push({
        name: `probe_read_kernel dst fp${off} size ${size}`,
        asm: `${STACK}r1 = r10\nr1 += ${off}\nr2 = ${size}\nr3 = 0\ncall 113\nr0 = 0\nexit`,
        map: MAPS.array!,
      });
      out.push({
        name: `get_current_comm buf fp${off} size ${size}`,
        asm: `${STACK}r1 = r10\nr1 += ${off}\nr2 = ${size}\ncall 16\nr0 = 0\nexit`,
        map: MAPS.array!,
      });
    }
    out.push({
      name: `map_lookup_elem key fp${off}`,
      asm: `${STACK}r1 = map[id:1]\nr2 = r10\nr2 += ${off}\ncall 1\nr0 = 0\nexit`,
      map: MAPS.hash!,
    });
  }
  return out;
}

const DEPTHS = [0, 8, 24, 200, 488, 504];
/** A subprogram that writes `depth` bytes of stack (none for 0), runs `body`, and returns 0. */
const frame = (depth: number, body = ''): string =>
  `${depth ? `*(u64 *)(r10 -${depth}) = 0\n` : ''}${body}r0 = 0\nexit\n`;

/**
 * 3. bpf-to-bpf calls: the combined stack of chains of two and three frames (each frame rounded up to 16 bytes),
 * recursion on the walk and on dead paths, chains of 7 to 9 distinct subprograms reached or not, and a callback
 * address that only a dead path loads (a walked one needs BTF func_info, which a raw load does not carry).
 */
export function callDepthVariants(): HelperVariant[] {
  const out: HelperVariant[] = [];
  const map = MAPS.array!;
  for (const a of DEPTHS)
    for (const b of DEPTHS) {
      out.push({ name: `stack ${a} -> ${b}`, asm: `${frame(a, 'call f1\n')}f1:\n${frame(b)}`, map });
      for (const c of [8, 240])
        out.push({
          name: `stack ${a} -> ${b} -> ${c}`,
          asm: `${frame(a, 'call f1\n')}f1:\n${frame(b, 'call f2\n')}f2:\n${frame(c)}`,
          map,
        });
    }
  const dead = (call: string, slots = 1): string => `r0 = 0\nif r0 == 0 goto +${slots}\n${call}\n`;
  out.push({ name: 'recursion on the walk', asm: `${frame(0, 'call f1\n')}f1:\n${frame(8, 'call f1\n')}`, map });
  out.push({
    name: 'recursion on a dead path of main',
    asm: `${frame(0, dead('call f1'))}f1:\n${frame(8, 'call f1\n')}`,
    map,
  });
  out.push({
    name: 'recursion on a dead path of the callee',
    asm: `${frame(0, 'call f1\n')}f1:\n${frame(8, dead('call f1'))}`,
    map,
  });
  for (const n of [6, 7, 8]) {
    for (const live of [true, false]) {
      let asm = frame(8, live ? 'call f1\n' : dead('call f1'));
      for (let k = 1; k <= n; k++) asm += `f${k}:\n${frame(8, k < n ? `call f${k + 1}\n` : '')}`;
      out.push({ name: `chain of ${n + 1} frames${live ? '' : ' on a dead path'}`, asm, map });
    }
  }
  // A callback address loaded on a dead path counts as a call: bpf_loop(1, cb) where cb calls itself.
  out.push({
    name: 'callback address on a dead path, recursive callback',
    asm: `${frame(0, dead('r2 = cb ll', 2))}cb:\n${frame(8, dead('call cb'))}`,
    map,
  });
  return out;
}

/** The model's answer (BpfEngine.verify, RAW_TRACEPOINT, the variant's map as map 1). */
export function modelAnswer(v: HelperVariant): string {
  const bpf = createBpf();
  bpf.map_create({ ...v.map });
  const r = bpf.verify({ asm: v.asm, prog_type: 'raw_tp', log_level: 1 });
  return answerOf({ ok: r.ok, errno: r.errors[0]?.errno, first: r.errors[0]?.message.split('\n')[0] });
}

/**
 * Programs that vary helper-call classes the encoding-level fuzzer found (check_helper_call() of
 * kernel/bpf/verifier.c, Linux 6.18): which map types each map-taking helper accepts
 * (check_map_func_compatibility()), and the stack bounds of helper memory arguments of every size, zero included
 * (check_helper_mem_access() -> check_stack_range_initialized()). helper-args.test.ts loads each in the model and
 * (where it can) in the running kernel; the kernel's answers are recorded there.
 */
import { createBpf } from '../index';
import type { BpfMapTypeName } from '../maps';

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

/** `ok` or `ERRNO first error line`. */
export function answerOf(r: { ok: boolean; errno?: string; first?: string }): string {
  return r.ok ? 'ok' : `${r.errno} ${r.first}`;
}

/** The model's answer (BpfEngine.verify, RAW_TRACEPOINT, the variant's map as map 1). */
export function modelAnswer(v: HelperVariant): string {
  const bpf = createBpf();
  bpf.map_create({ ...v.map });
  const r = bpf.verify({ asm: v.asm, prog_type: 'raw_tp', log_level: 1 });
  return answerOf({ ok: r.ok, errno: r.errors[0]?.errno, first: r.errors[0]?.message.split('\n')[0] });
}

/**
 * bpf_map_lookup_elem() inside the WebAssembly JIT (jit-wasm.ts): the values of the array and hash maps a program
 * names move into the address space's linear memory before its first run (adoptMaps()), and a lookup on them is
 * done inline (genLookup(): array index arithmetic, or a hash index kept in the linear memory and rebuilt whenever
 * HashMap.version says the table changed). Departure from kernel/bpf/arraymap.c / hashtab.c's code path only: the
 * result, the faults (left to the helper) and the instruction count are the helper's.
 */
import type { Body } from './jit-wasm-encode';
import { A, LIN, OP, R, VOID, W, X, Y, Z } from './jit-wasm-encode';
import { ArrayMap, BPF_MAP_TYPE, BpfMap, HashMap } from './maps';
import { LIN_SCRATCH, LIN_TABLE_ENTRIES, REGION_HI_BASE, regionHi } from './memory';
import type { AddressSpace, LinearMemory } from './memory';
import type { LoadedInsns } from './vm';

/** Offsets in a map's lookup descriptor (LookupData.desc), in bytes. */
const D_KIND = 0; // 1 array, 2 hash
const D_KEY_SIZE = 4;
const D_MAX = 8;
const D_INDEX = 12;
const D_MASK = 16;
const D_ELEM = 20;
const D_KEY_MASK = 24; // i64
const D_VALUES_HI = 32;
const D_SHIFT = 36;
const D_BYTES = 40;
/** The flag in the scratch area: the run's helper 1 is bpfMapLookupElem and the run is not poisoned. */
export const S_FAST_LOOKUP = LIN_SCRATCH + 16;
const HASH_C1 = 0x9e3779b1 | 0;
const HASH_C2 = 0x85ebca6b | 0;

/**
 * bpf_map_lookup_elem inline: when r1 is the address of a map with a lookup descriptor (an array map, or a hash map
 * whose index is in the linear memory) and r2 points at a key in the linear memory, r0 is computed here, exactly
 * as the helper computes it; anything else (a bad map pointer or key, other maps) falls through to the helper
 * call the caller emits next, and this opens the block that caller closes after it.
 */
export function genLookup(b: Body): void {
  b.op(OP.block, VOID, OP.block, VOID); // $done { $gen {
  b.get(LIN).mem(OP.i32_load, S_FAST_LOOKUP).op(OP.i32_eqz).br(OP.br_if, 0);
  b.get(R(1)).op(OP.i32_wrap_i64).br(OP.br_if, 0);
  b.get(R(1)).i64(32n).op(OP.i64_shr_u, OP.i32_wrap_i64).i32(REGION_HI_BASE).op(OP.i32_sub).tee(X);
  b.i32(LIN_TABLE_ENTRIES).op(OP.i32_ge_u).br(OP.br_if, 0);
  b.get(X).i32(4).op(OP.i32_shl).mem(OP.i32_load, 12).tee(Y).op(OP.i32_eqz).br(OP.br_if, 0);
  // the key: r2's region must be in the linear memory and hold key_size bytes at r2
  b.get(R(2)).i64(32n).op(OP.i64_shr_u, OP.i32_wrap_i64).i32(REGION_HI_BASE).op(OP.i32_sub).tee(X);
  b.i32(LIN_TABLE_ENTRIES).op(OP.i32_ge_u).br(OP.br_if, 0);
  b.get(R(2)).i64(0xffffffffn).op(OP.i64_and).get(Y).mem(OP.i64_load32_u, D_KEY_SIZE).op(OP.i64_add);
  b.get(X).i32(4).op(OP.i32_shl).tee(X).mem(OP.i64_load32_u, 4).op(OP.i64_gt_u).br(OP.br_if, 0);
  b.get(X).mem(OP.i32_load, 0).get(R(2)).op(OP.i32_wrap_i64, OP.i32_add).mem(OP.i64_load, 0);
  b.get(Y).mem(OP.i64_load, D_KEY_MASK).op(OP.i64_and).set(A);
  b.i64(0n).set(R(0));
  b.get(Y).mem(OP.i32_load, D_KIND).i32(1).op(OP.i32_eq, OP.if, VOID);
  // array: key < max_entries -> the element at key * elem_size
  b.get(A).get(Y).mem(OP.i64_load32_u, D_MAX).op(OP.i64_lt_u, OP.if, VOID);
  b.get(Y).mem(OP.i64_load32_u, D_VALUES_HI).i64(32n).op(OP.i64_shl);
  b.get(A).get(Y).mem(OP.i64_load32_u, D_ELEM).op(OP.i64_mul, OP.i64_or).set(R(0));
  b.op(OP.end, OP.else);
  // hash: linear probing from the hash's top bits; a zero slot word ends the chain (not found)
  b.get(A).op(OP.i32_wrap_i64).get(A).i64(32n).op(OP.i64_shr_u, OP.i32_wrap_i64).i32(HASH_C2).op(OP.i32_mul);
  b.op(OP.i32_xor).i32(HASH_C1).op(OP.i32_mul).get(Y).mem(OP.i32_load, D_SHIFT).op(OP.i32_shr_u).set(Z);
  b.op(OP.block, VOID, OP.loop, VOID);
  b.get(Y).mem(OP.i32_load, D_INDEX).get(Z).i32(4).op(OP.i32_shl, OP.i32_add).tee(X);
  b.mem(OP.i32_load, 8).tee(W).op(OP.i32_eqz).br(OP.br_if, 1);
  b.get(X).mem(OP.i64_load, 0).get(A).op(OP.i64_eq, OP.if, VOID);
  b.get(Y).mem(OP.i64_load32_u, D_VALUES_HI).i64(32n).op(OP.i64_shl);
  b.get(W).i32(1).op(OP.i32_sub, OP.i64_extend_i32_u).get(Y).mem(OP.i64_load32_u, D_ELEM).op(OP.i64_mul, OP.i64_or);
  b.set(R(0)).br(OP.br, 2).op(OP.end);
  b.get(Z).i32(1).op(OP.i32_add).get(Y).mem(OP.i32_load, D_MASK).op(OP.i32_and).set(Z).br(OP.br, 0);
  b.op(OP.end, OP.end); // loop, block
  b.op(OP.end); // if array / else hash
  b.br(OP.br, 1).op(OP.end); // done; end of $gen: the helper call follows
}

/** The map lookup data of one address space: each adopted map's descriptor and, for a hash map, its index. */
interface LookupData {
  map: HashMap | ArrayMap;
  desc: number;
  /** Hash maps: the index (capacity entries of 16 bytes: key lo, key hi, slot + 1, 0) and the version it holds. */
  index: number;
  capacity: number;
  version: number;
}

const lookupData = new WeakMap<LinearMemory, Map<BpfMap, LookupData>>();

/** Largest map values region moved into the linear memory. */
const ADOPT_MAX_BYTES = 16 << 20;

/** The index key of key bytes: the bytes little-endian, zero-padded to 8, as two words. */
function indexHash(lo: number, hi: number, shift: number): number {
  return Math.imul(lo ^ Math.imul(hi, HASH_C2), HASH_C1) >>> shift;
}

/** Rebuilds a hash map's index from its table when the table changed since (HashMap.version). */
function refreshIndex(lin: LinearMemory, d: LookupData): void {
  const map = d.map as HashMap;
  if (d.version === map.version) return;
  const i32 = lin.i32;
  i32.fill(0, d.index >> 2, (d.index >> 2) + d.capacity * 4);
  const shift = i32[(d.desc + D_SHIFT) >> 2]!;
  const mask = d.capacity - 1;
  map.forEachSlot((key, slot) => {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < key.length; i++) {
      if (i < 4) lo |= key[i]! << (8 * i);
      else hi |= key[i]! << (8 * (i - 4));
    }
    let at = indexHash(lo, hi, shift);
    while (i32[((d.index + at * 16) >> 2) + 2] !== 0) at = (at + 1) & mask;
    const e = (d.index + at * 16) >> 2;
    i32[e] = lo;
    i32[e + 1] = hi;
    i32[e + 2] = slot + 1;
  });
  d.version = map.version;
}

/** Rebuilds every stale hash index of the space. */
export function refreshAll(lin: LinearMemory): void {
  const all = lookupData.get(lin);
  if (all) for (const d of all.values()) if (d.capacity > 0) refreshIndex(lin, d);
}

/**
 * Moves the values of the array and hash maps a program names (lddw) into the linear memory and gives each a
 * lookup descriptor, so the program's lookups and its loads and stores through value pointers stay in WebAssembly.
 * Only between runs (the memory may grow); maps it cannot take keep the helper and the slow path.
 */
export function adoptMaps(p: LoadedInsns, space: AddressSpace, lin: LinearMemory): void {
  let all = lookupData.get(lin);
  if (!all) lookupData.set(lin, (all = new Map()));
  for (let pc = 0; pc < p.len; pc++) {
    if (p.code[pc] !== 0x18) continue;
    const reg = space.regionOf(p.hi64[pc]!);
    pc++;
    const map = reg?.owner;
    if (!(map instanceof BpfMap) || reg !== map.object || all.has(map) || map.key_size < 1 || map.key_size > 8)
      continue;
    const isArray = map.map_type === BPF_MAP_TYPE.BPF_MAP_TYPE_ARRAY && map instanceof ArrayMap && map.key_size === 4;
    const isHash = map.map_type === BPF_MAP_TYPE.BPF_MAP_TYPE_HASH && map instanceof HashMap;
    if ((!isArray && !isHash) || map.values.size > ADOPT_MAX_BYTES) continue;
    let capacity = 0;
    if (isHash) for (capacity = 16; capacity < 2 * (map.max_entries + 1); capacity *= 2);
    const desc = lin.alloc(D_BYTES + capacity * 16);
    if (desc < 0 || !lin.adopt(map.values)) continue;
    const i32 = lin.i32;
    const w = desc >> 2;
    i32[w + D_KIND / 4] = isArray ? 1 : 2;
    i32[w + D_KEY_SIZE / 4] = map.key_size;
    i32[w + D_MAX / 4] = map.max_entries;
    i32[w + D_INDEX / 4] = desc + D_BYTES;
    i32[w + D_MASK / 4] = capacity - 1;
    i32[w + D_ELEM / 4] = map.elem_size;
    const maskBits = BigInt.asIntN(64, (1n << BigInt(8 * map.key_size)) - 1n);
    i32[w + D_KEY_MASK / 4] = Number(BigInt.asIntN(32, maskBits));
    i32[w + D_KEY_MASK / 4 + 1] = Number(BigInt.asIntN(32, maskBits >> 32n));
    i32[w + D_VALUES_HI / 4] = regionHi(map.values);
    i32[w + D_SHIFT / 4] = 32 - Math.log2(Math.max(capacity, 1));
    const d: LookupData = { map, desc, index: desc + D_BYTES, capacity, version: -1 };
    all.set(map, d);
    if (isHash) refreshIndex(lin, d);
    lin.setAux(map.object.id, desc);
  }
}

/**
 * BPF maps with the kernel's semantics (kernel/bpf/arraymap.c, hashtab.c, bpf_lru_list.c, ringbuf.c): ARRAY,
 * PERCPU_ARRAY, HASH, LRU_HASH and RINGBUF. Every map's values live in one region of the BPF address space, so
 * a pointer returned by bpf_map_lookup_elem() is an ordinary, bounds-checked address.
 */
import { KernelError } from '../common/errors';
import type { AddressSpace } from './memory';
import { BpfRegion, regionHi } from './memory';

/** enum bpf_map_type values of the modelled types. */
export const BPF_MAP_TYPE = {
  BPF_MAP_TYPE_HASH: 1,
  BPF_MAP_TYPE_ARRAY: 2,
  BPF_MAP_TYPE_PERCPU_ARRAY: 6,
  BPF_MAP_TYPE_LRU_HASH: 9,
  BPF_MAP_TYPE_RINGBUF: 27,
} as const;
export type BpfMapTypeName = keyof typeof BPF_MAP_TYPE;

/** Map flags modelled (include/uapi/linux/bpf.h). */
export const BPF_F_NO_PREALLOC = 1 << 0;
/** Programs may only read the values (stores through a value pointer fault). */
export const BPF_F_RDONLY_PROG = 1 << 7;

/** Update flags (include/uapi/linux/bpf.h). */
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;
/** KMALLOC_MAX_SIZE on x86-64 (4 MiB pages order 10): larger values give E2BIG. */
const KMALLOC_MAX_SIZE = 1 << 22;
const PAGE_SIZE = 4096;
/** Departure from Linux: one map's values may not exceed 256 MiB of the host's memory (ENOMEM beyond). */
const MAX_MAP_BYTES = 256 << 20;

/** `union bpf_attr` for BPF_MAP_CREATE (the fields modelled). */
export interface BpfMapCreateAttr {
  map_type: BpfMapTypeName | number;
  key_size?: number;
  value_size?: number;
  max_entries: number;
  map_flags?: number;
  map_name?: string;
}

/** A key or value as scripts pass it: bytes, or a number/bigint written little-endian in key_size/value_size bytes. */
export type BpfBytesLike = Uint8Array | number | bigint | readonly number[];

export function toBytes(v: BpfBytesLike, size: number, what: string): Uint8Array {
  if (v instanceof Uint8Array) {
    if (v.length !== size) throw new KernelError('EINVAL', `${what}: expected ${size} bytes, got ${v.length}`);
    return v;
  }
  if (Array.isArray(v)) return toBytes(Uint8Array.from(v as number[]), size, what);
  if (typeof v !== 'number' && typeof v !== 'bigint')
    throw new KernelError('EINVAL', `${what}: expected bytes, a number or a bigint`);
  if (typeof v === 'number' && !Number.isSafeInteger(v))
    throw new KernelError('EINVAL', `${what}: ${v} is not a whole number`);
  const big = BigInt(v);
  // The number must fit the key_size/value_size bytes it is written into (no silent truncation).
  if (big < 0n || big >> BigInt(size * 8) !== 0n)
    throw new KernelError('EINVAL', `${what}: ${String(v)} does not fit in ${size} bytes`);
  const out = new Uint8Array(size);
  let x = big;
  for (let i = 0; i < size; i++, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
}

const roundUp8 = (n: number): number => (n + 7) & ~7;

/** struct bpf_map: what every map type shares. */
export abstract class BpfMap {
  readonly id: number;
  readonly map_type: number;
  readonly type_name: BpfMapTypeName;
  readonly key_size: number;
  readonly value_size: number;
  readonly max_entries: number;
  readonly map_flags: number;
  readonly name: string;
  /** The object a `lddw rX, map` yields: a zero-sized region whose address identifies the map. */
  readonly object: BpfRegion;
  /** The region holding the values. */
  abstract readonly values: BpfRegion;

  constructor(id: number, attr: BpfMapCreateAttr, typeName: BpfMapTypeName, space: AddressSpace) {
    this.id = id;
    this.type_name = typeName;
    this.map_type = BPF_MAP_TYPE[typeName];
    this.key_size = attr.key_size ?? 0;
    this.value_size = attr.value_size ?? 0;
    this.max_entries = attr.max_entries;
    this.map_flags = attr.map_flags ?? 0;
    this.name = (attr.map_name ?? '').slice(0, 15); // BPF_OBJ_NAME_LEN - 1
    this.object = new BpfRegion(new Uint8Array(0), { name: `map${id}`, writable: false, owner: this });
    space.map(this.object);
  }

  /** Address of the map object (what lddw with BPF_PSEUDO_MAP_FD loads) as [hi, lo]. */
  objectAddr(): [number, number] {
    return [regionHi(this.object), 0];
  }

  /** Program-side lookup: offset of the value in `values` for this key (and cpu), or -1. (map->ops->map_lookup_elem) */
  abstract lookupOffset(key: Uint8Array, cpu: number): number;
  /** lookupOffset() with the key read in place from `u8` at `at` (the helpers' fast path). */
  lookupOffsetAt(u8: Uint8Array, at: number, cpu: number): number {
    return this.lookupOffset(u8.subarray(at, at + this.key_size), cpu);
  }
  /** map->ops->map_update_elem; returns 0 or a negative errno. cpu is the program's CPU, or -1 from the syscall side. */
  abstract updateElem(key: Uint8Array, value: Uint8Array, flags: number, cpu: number): number;
  /** map->ops->map_delete_elem; returns 0 or a negative errno. */
  abstract deleteElem(key: Uint8Array): number;
  /** Keys in iteration order (map_get_next_key). */
  abstract keys(): Uint8Array[];

  /** Syscall-side value of a key: value_size bytes (per-CPU maps: one rounded-up value per CPU). */
  lookupValue(key: Uint8Array): Uint8Array | undefined {
    const off = this.lookupOffset(key, 0);
    return off < 0 ? undefined : this.values.u8.slice(off, off + this.value_size);
  }

  // ---- script-facing API (BpfMap in the lab API) ----

  /** BPF_MAP_LOOKUP_ELEM. */
  lookup(key: BpfBytesLike): Uint8Array | undefined {
    return this.lookupValue(toBytes(key, this.key_size, 'key'));
  }

  /** BPF_MAP_UPDATE_ELEM; throws KernelError on failure. */
  update(key: BpfBytesLike, value: BpfBytesLike, flags = BPF_ANY): void {
    const err = this.updateElem(toBytes(key, this.key_size, 'key'), this.valueBytes(value), flags, -1);
    if (err < 0) throw errnoError(-err, `map_update_elem(${this.name || `map${this.id}`})`);
  }

  /** BPF_MAP_DELETE_ELEM; throws KernelError on failure. */
  delete(key: BpfBytesLike): void {
    const err = this.deleteElem(toBytes(key, this.key_size, 'key'));
    if (err < 0) throw errnoError(-err, `map_delete_elem(${this.name || `map${this.id}`})`);
  }

  /** All [key, value] pairs (BPF_MAP_GET_NEXT_KEY + lookup). */
  entries(): [Uint8Array, Uint8Array][] {
    return this.keys().map((k) => [k, this.lookupValue(k)!]);
  }

  protected valueBytes(value: BpfBytesLike): Uint8Array {
    return toBytes(value, this.value_size, 'value');
  }
}

const ERRNO_NAMES: Record<number, 'EINVAL' | 'E2BIG' | 'EEXIST' | 'ENOENT' | 'ENOMEM'> = {
  22: 'EINVAL',
  7: 'E2BIG',
  17: 'EEXIST',
  2: 'ENOENT',
  12: 'ENOMEM',
};

function errnoError(errno: number, what: string): KernelError {
  const name = ERRNO_NAMES[errno] ?? 'EINVAL';
  return new KernelError(name, `${what}: ${name}`);
}

function keyIndex(key: Uint8Array): number {
  return (key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24)) >>> 0;
}

/** BPF_MAP_TYPE_ARRAY: key is a u32 index, values preallocated and zeroed, elements never deleted. */
export class ArrayMap extends BpfMap {
  readonly values: BpfRegion;
  readonly elem_size: number;

  constructor(
    id: number,
    attr: BpfMapCreateAttr,
    space: AddressSpace,
    typeName: BpfMapTypeName = 'BPF_MAP_TYPE_ARRAY',
    copies = 1,
  ) {
    super(id, attr, typeName, space);
    this.elem_size = roundUp8(this.value_size);
    this.values = new BpfRegion(new Uint8Array(this.elem_size * this.max_entries * copies), {
      name: `map${id} values`,
      owner: this,
    });
    space.map(this.values);
  }

  lookupOffset(key: Uint8Array, _cpu = 0): number {
    const i = keyIndex(key);
    return i < this.max_entries ? i * this.elem_size : -1;
  }

  updateElem(key: Uint8Array, value: Uint8Array, flags: number, cpu: number): number {
    if (flags > BPF_EXIST) return -22;
    const i = keyIndex(key);
    if (i >= this.max_entries) return -7;
    if (flags === BPF_NOEXIST) return -17; // all elements always exist
    const off = this.lookupOffset(key, cpu);
    this.values.u8.set(value.subarray(0, this.value_size), off);
    return 0;
  }

  deleteElem(): number {
    return -22;
  }

  keys(): Uint8Array[] {
    return Array.from({ length: this.max_entries }, (_, i) => toBytes(i, 4, 'key'));
  }
}

/** BPF_MAP_TYPE_PERCPU_ARRAY: one copy of every value per CPU; programs see their CPU's copy. */
export class PercpuArrayMap extends ArrayMap {
  readonly nr_cpus: number;

  constructor(id: number, attr: BpfMapCreateAttr, space: AddressSpace, nrCpus: number) {
    super(id, attr, space, 'BPF_MAP_TYPE_PERCPU_ARRAY', nrCpus);
    this.nr_cpus = nrCpus;
  }

  override lookupOffset(key: Uint8Array, cpu = 0): number {
    const i = keyIndex(key);
    return i < this.max_entries ? (cpu * this.max_entries + i) * this.elem_size : -1;
  }

  /** Syscall-side: the values of all CPUs, each rounded up to 8 bytes (as bpf_map_lookup_elem(2) returns them). */
  override lookupValue(key: Uint8Array): Uint8Array | undefined {
    const i = keyIndex(key);
    if (i >= this.max_entries) return undefined;
    const out = new Uint8Array(this.elem_size * this.nr_cpus);
    for (let c = 0; c < this.nr_cpus; c++) {
      const off = (c * this.max_entries + i) * this.elem_size;
      out.set(this.values.u8.subarray(off, off + this.value_size), c * this.elem_size);
    }
    return out;
  }

  /**
   * A program updates its CPU's copy; the syscall side (cpu -1) writes every CPU's copy, from nr_cpus rounded-up
   * values as bpf(2) takes them, or from one value for all (a convenience of this API).
   */
  override updateElem(key: Uint8Array, value: Uint8Array, flags: number, cpu: number): number {
    if (cpu >= 0) return super.updateElem(key, value, flags, cpu);
    if (flags > BPF_EXIST) return -22;
    const i = keyIndex(key);
    if (i >= this.max_entries) return -7;
    if (flags === BPF_NOEXIST) return -17;
    const stride = value.length === this.value_size ? 0 : this.elem_size;
    for (let c = 0; c < this.nr_cpus; c++) {
      this.values.u8.set(
        value.subarray(c * stride, c * stride + this.value_size),
        (c * this.max_entries + i) * this.elem_size,
      );
    }
    return 0;
  }

  protected override valueBytes(value: BpfBytesLike): Uint8Array {
    if (value instanceof Uint8Array && value.length === this.elem_size * this.nr_cpus) return value;
    return toBytes(value, this.value_size, 'value');
  }
}

/** The JS Map key of a BPF key: a number for keys up to 6 bytes, else a binary string. */
function hashKey(u8: Uint8Array, at: number, size: number): number | string {
  if (size <= 6) {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + u8[at + i]!;
    return v;
  }
  let s = '';
  for (let i = 0; i < size; i++) s += String.fromCharCode(u8[at + i]!);
  return s;
}

/**
 * BPF_MAP_TYPE_HASH (preallocated, the default): max_entries element slots plus one spare; an update of an
 * existing key fills a fresh slot and frees the old one, as htab_map_update_elem() does.
 * Departure from Linux: iteration order is insertion order, not bucket order.
 */
export class HashMap extends BpfMap {
  readonly values: BpfRegion;
  readonly elem_size: number;
  /** key (as a binary string) -> slot */
  protected readonly table = new Map<number | string, number>();
  protected readonly keyOf = new Map<number, Uint8Array>();
  private readonly freeSlots: number[] = [];
  /** Bumped by every change of the key -> slot table (the WebAssembly JIT's lookup index follows it). */
  version = 0;

  constructor(id: number, attr: BpfMapCreateAttr, space: AddressSpace, typeName: BpfMapTypeName = 'BPF_MAP_TYPE_HASH') {
    super(id, attr, typeName, space);
    this.elem_size = roundUp8(this.value_size);
    const slots = this.max_entries + 1;
    this.values = new BpfRegion(new Uint8Array(this.elem_size * slots), { name: `map${id} values`, owner: this });
    space.map(this.values);
    for (let s = slots - 1; s >= 0; s--) this.freeSlots.push(s);
  }

  lookupOffset(key: Uint8Array): number {
    return this.lookupOffsetAt(key, 0);
  }

  override lookupOffsetAt(u8: Uint8Array, at: number): number {
    const k = hashKey(u8, at, this.key_size);
    const slot = this.table.get(k);
    if (slot === undefined) return -1;
    this.touch(k, slot);
    return slot * this.elem_size;
  }

  /** LRU bookkeeping hook. */
  protected touch(_k: number | string, _slot: number): void {}

  /** Called when the map is full and a new key arrives; returns true when room was made. */
  protected makeRoom(): boolean {
    return false;
  }

  updateElem(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (flags > BPF_EXIST) return -22;
    const k = hashKey(key, 0, this.key_size);
    const old = this.table.get(k);
    if (old !== undefined && flags === BPF_NOEXIST) return -17;
    if (old === undefined && flags === BPF_EXIST) return -2;
    if (old === undefined && this.table.size >= this.max_entries && !this.makeRoom()) return -7;
    const slot = this.freeSlots.pop();
    if (slot === undefined) return -12;
    this.values.u8.fill(0, slot * this.elem_size, (slot + 1) * this.elem_size);
    this.values.u8.set(value.subarray(0, this.value_size), slot * this.elem_size);
    if (old !== undefined) {
      this.table.delete(k);
      this.keyOf.delete(old);
      this.freeSlots.push(old);
    }
    this.table.set(k, slot);
    this.keyOf.set(slot, Uint8Array.from(key));
    this.touch(k, slot);
    this.version++;
    return 0;
  }

  deleteElem(key: Uint8Array): number {
    const k = hashKey(key, 0, this.key_size);
    const slot = this.table.get(k);
    if (slot === undefined) return -2;
    this.table.delete(k);
    this.keyOf.delete(slot);
    this.freeSlots.push(slot);
    this.version++;
    return 0;
  }

  /** Every element's key bytes and slot. */
  forEachSlot(fn: (key: Uint8Array, slot: number) => void): void {
    for (const [slot, key] of this.keyOf) fn(key, slot);
  }

  keys(): Uint8Array[] {
    return [...this.table.values()].map((s) => Uint8Array.from(this.keyOf.get(s)!));
  }

  override lookupValue(key: Uint8Array): Uint8Array | undefined {
    const slot = this.table.get(hashKey(key, 0, this.key_size));
    return slot === undefined
      ? undefined
      : this.values.u8.slice(slot * this.elem_size, slot * this.elem_size + this.value_size);
  }
}

/**
 * BPF_MAP_TYPE_LRU_HASH: when full, an update evicts the least recently used element instead of failing.
 * Departure from Linux: exact LRU over the whole map (the kernel keeps approximate per-CPU active/inactive lists).
 */
export class LruHashMap extends HashMap {
  constructor(id: number, attr: BpfMapCreateAttr, space: AddressSpace) {
    super(id, attr, space, 'BPF_MAP_TYPE_LRU_HASH');
  }

  protected override touch(k: number | string, slot: number): void {
    // Map iteration order is insertion order: re-inserting moves the key to the most-recent end.
    this.table.delete(k);
    this.table.set(k, slot);
  }

  protected override makeRoom(): boolean {
    const oldest = this.table.keys().next();
    if (oldest.done) return false;
    const slot = this.table.get(oldest.value)!;
    this.deleteElem(this.keyOf.get(slot)!);
    return true;
  }
}

/** struct bpf_ringbuf_hdr bits. */
export const BPF_RINGBUF_BUSY_BIT = 0x80000000;
export const BPF_RINGBUF_DISCARD_BIT = 0x40000000;
export const BPF_RINGBUF_HDR_SZ = 8;

/**
 * BPF_MAP_TYPE_RINGBUF: a power-of-two data area shared by producers (programs) and one consumer (the script).
 * Records are 8-byte aligned with an 8-byte header; a reservation fails when the consumer has not made room.
 * The kernel maps the data pages twice so a record never wraps; here the region is twice the size and the
 * part of a record that spills past the end is folded back on submit.
 */
export class RingbufMap extends BpfMap {
  readonly values: BpfRegion;
  readonly mask: number;
  producer_pos = 0;
  consumer_pos = 0;
  /** Called with each submitted record's data (the console hook). */
  onRecord?: (data: Uint8Array) => void;

  constructor(id: number, attr: BpfMapCreateAttr, space: AddressSpace) {
    super(id, attr, 'BPF_MAP_TYPE_RINGBUF', space);
    this.mask = this.max_entries - 1;
    this.values = new BpfRegion(new Uint8Array(this.max_entries * 2), { name: `ringbuf${id} data`, owner: this });
    space.map(this.values);
  }

  lookupOffset(): number {
    return -1;
  }

  updateElem(): number {
    return -22;
  }

  deleteElem(): number {
    return -22;
  }

  keys(): Uint8Array[] {
    return [];
  }

  /** Bytes available for reservation. */
  get avail(): number {
    return this.max_entries - (this.producer_pos - this.consumer_pos);
  }

  /** __bpf_ringbuf_reserve(): offset of the record's data in `values`, or -1 when there is no room. */
  reserve(size: number): number {
    if (size > this.max_entries - BPF_RINGBUF_HDR_SZ || size < 0) return -1;
    const total = roundUp8(size + BPF_RINGBUF_HDR_SZ);
    if (this.producer_pos - this.consumer_pos + total > this.max_entries) return -1;
    const off = this.producer_pos & this.mask;
    this.values.dv.setUint32(off, (size | BPF_RINGBUF_BUSY_BIT) >>> 0, true);
    this.values.dv.setUint32(off + 4, 0, true);
    this.producer_pos += total;
    return off + BPF_RINGBUF_HDR_SZ;
  }

  /** bpf_ringbuf_commit(): clears the busy bit (and sets discard); `dataOff` is what reserve() returned. */
  commit(dataOff: number, discard: boolean): boolean {
    const hdr = dataOff - BPF_RINGBUF_HDR_SZ;
    if (hdr < 0 || hdr >= this.max_entries || hdr % 8 !== 0) return false;
    const len = this.values.dv.getUint32(hdr, true);
    if (!(len & BPF_RINGBUF_BUSY_BIT)) return false;
    const size = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
    const end = dataOff + size;
    if (end > this.max_entries) this.values.u8.copyWithin(0, this.max_entries, end); // fold the wrapped part back
    this.values.dv.setUint32(hdr, (size | (discard ? BPF_RINGBUF_DISCARD_BIT : 0)) >>> 0, true);
    if (!discard) this.onRecord?.(this.readData(dataOff, size));
    return true;
  }

  private readData(dataOff: number, size: number): Uint8Array {
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) out[i] = this.values.u8[(dataOff + i) & this.mask]!;
    return out;
  }

  /** ring_buffer__consume(): the committed records in order, advancing the consumer position (stops at a busy one). */
  consume(): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (this.consumer_pos < this.producer_pos) {
      const hdr = this.consumer_pos & this.mask;
      const len = this.values.dv.getUint32(hdr, true);
      if (len & BPF_RINGBUF_BUSY_BIT) break;
      const size = len & ~BPF_RINGBUF_DISCARD_BIT;
      if (!(len & BPF_RINGBUF_DISCARD_BIT)) out.push(this.readData(hdr + BPF_RINGBUF_HDR_SZ, size));
      this.consumer_pos += roundUp8(size + BPF_RINGBUF_HDR_SZ);
    }
    return out;
  }

  override entries(): [Uint8Array, Uint8Array][] {
    return [];
  }
}

/** BPF_OBJ_NAME_LEN: map and program names hold at most 15 characters and the NUL. */
export const BPF_OBJ_NAME_LEN = 16;

/** bpf_obj_name_cpy(): a name of letters, digits, '_' and '.', shorter than BPF_OBJ_NAME_LEN, or EINVAL. */
export function checkObjName(name: string, what: string): string {
  if (name.length >= BPF_OBJ_NAME_LEN)
    throw new KernelError(
      'EINVAL',
      `${what}: '${name.slice(0, 40)}' is ${name.length} characters; at most ${BPF_OBJ_NAME_LEN - 1} fit (BPF_OBJ_NAME_LEN)`,
    );
  if (!/^[A-Za-z0-9_.]*$/.test(name))
    throw new KernelError('EINVAL', `${what}: '${name}' may hold only letters, digits, '_' and '.' (bpf_obj_name_cpy)`);
  return name;
}

/** Validates attributes and creates a map (map_create() and the types' map_alloc_check()). */
export function createMap(id: number, attr: BpfMapCreateAttr, space: AddressSpace, nrCpus: number): BpfMap {
  const typeName =
    typeof attr.map_type === 'number'
      ? (Object.keys(BPF_MAP_TYPE) as BpfMapTypeName[]).find((k) => BPF_MAP_TYPE[k] === attr.map_type)
      : typeof attr.map_type === 'string' && Object.hasOwn(BPF_MAP_TYPE, attr.map_type)
        ? attr.map_type
        : undefined;
  if (!typeName) throw new KernelError('EINVAL', `map_create: unsupported map_type ${String(attr.map_type)}`);
  if (attr.map_name !== undefined) checkObjName(String(attr.map_name), 'map_create: map_name');
  const ks = attr.key_size ?? 0;
  const vs = attr.value_size ?? 0;
  const n = attr.max_entries;
  if (
    !Number.isInteger(n) ||
    !Number.isInteger(ks) ||
    !Number.isInteger(vs) ||
    n < 0 ||
    ks < 0 ||
    vs < 0 ||
    n > 0xffffffff ||
    ks > 0xffffffff ||
    vs > 0xffffffff
  ) {
    throw new KernelError('EINVAL', 'map_create: sizes must be non-negative integers');
  }
  const flags = attr.map_flags ?? 0;
  const allowed = BPF_F_RDONLY_PROG | (typeName === 'BPF_MAP_TYPE_HASH' ? BPF_F_NO_PREALLOC : 0);
  if ((flags & ~allowed) !== 0 || (flags & BPF_F_RDONLY_PROG && typeName === 'BPF_MAP_TYPE_RINGBUF')) {
    throw new KernelError('EINVAL', `map_create: map_flags 0x${flags.toString(16)} not supported for ${typeName}`);
  }
  const map = createMapOfType(typeName, id, attr, space, nrCpus);
  // BPF_F_NO_PREALLOC changes only when memory is allocated, which this model does not show.
  if (flags & BPF_F_RDONLY_PROG) map.values.writable = false;
  return map;
}

function createMapOfType(
  typeName: BpfMapTypeName,
  id: number,
  attr: BpfMapCreateAttr,
  space: AddressSpace,
  nrCpus: number,
): BpfMap {
  const ks = attr.key_size ?? 0;
  const vs = attr.value_size ?? 0;
  const n = attr.max_entries;
  switch (typeName) {
    case 'BPF_MAP_TYPE_ARRAY':
    case 'BPF_MAP_TYPE_PERCPU_ARRAY':
      if (n === 0 || ks !== 4 || vs === 0)
        throw new KernelError('EINVAL', `map_create: ${typeName} needs key_size 4, value_size > 0, max_entries > 0`);
      if (vs > KMALLOC_MAX_SIZE) throw new KernelError('E2BIG', 'map_create: value_size too large');
      if (roundUp8(vs) * n * (typeName === 'BPF_MAP_TYPE_PERCPU_ARRAY' ? nrCpus : 1) > MAX_MAP_BYTES) {
        throw new KernelError('ENOMEM', 'map_create: values exceed the simulation limit of 256 MiB');
      }
      return typeName === 'BPF_MAP_TYPE_ARRAY'
        ? new ArrayMap(id, attr, space)
        : new PercpuArrayMap(id, attr, space, nrCpus);
    case 'BPF_MAP_TYPE_HASH':
    case 'BPF_MAP_TYPE_LRU_HASH':
      if (n === 0 || ks === 0 || vs === 0)
        throw new KernelError('EINVAL', `map_create: ${typeName} needs key_size, value_size and max_entries > 0`);
      if (ks > 512 || vs > KMALLOC_MAX_SIZE)
        throw new KernelError('E2BIG', 'map_create: key_size or value_size too large');
      if (roundUp8(vs) * (n + 1) > MAX_MAP_BYTES)
        throw new KernelError('ENOMEM', 'map_create: values exceed the simulation limit of 256 MiB');
      return typeName === 'BPF_MAP_TYPE_HASH' ? new HashMap(id, attr, space) : new LruHashMap(id, attr, space);
    case 'BPF_MAP_TYPE_RINGBUF':
      if (ks !== 0 || vs !== 0 || n === 0 || (n & (n - 1)) !== 0 || n % PAGE_SIZE !== 0) {
        throw new KernelError(
          'EINVAL',
          'map_create: BPF_MAP_TYPE_RINGBUF needs key_size 0, value_size 0 and max_entries a power-of-2 multiple of the page size',
        );
      }
      if (n * 2 > MAX_MAP_BYTES)
        throw new KernelError('ENOMEM', 'map_create: ring buffer exceeds the simulation limit of 256 MiB');
      return new RingbufMap(id, attr, space);
  }
}

/**
 * Helper functions by the kernel's ids (enum bpf_func_id) and the bpf_iter_num kfuncs, with the runtime semantics
 * of kernel/bpf/helpers.c, bpf_iter.c, ringbuf.c and bpf_trace.c. The tables are plain Maps: other engines and
 * the verifier issue add entries (and prototypes in `proto`).
 */
import { KernelError } from '../common/errors';
import { BPF_MAX_LOOPS } from './isa';
import { BpfMap, RingbufMap } from './maps';
import { regionHi } from './memory';
import type { BpfHelper, BpfHelperFn, BpfVm } from './vm';
import { MODEL_KFUNC_BTF_ID, type KfuncName } from './vmlinux_btf';

const EINVAL = 22;
const E2BIG = 7;
const EFAULT = 14;
const EAGAIN = 11;

/**
 * BTF ids of the kfuncs: the FUNC type ids of the model's own vmlinux BTF (vmlinux_btf.ts), as a kernel build has
 * its own. The running kernel's ids are taken by name where a program meets it (the oracle), or with
 * boot({ btf: 'host' }).
 */
export const KFUNC_BTF_ID: Readonly<Record<KfuncName, number>> = MODEL_KFUNC_BTF_ID;

/** kernel/bpf/helpers.c: the largest nr_words of bpf_iter_bits_new() (4096-byte bpf_mem_alloc less its header). */
export const BITS_ITER_NR_WORDS_MAX = 511;

/** Sets r0 to a signed 64-bit value given as a JS number (|v| < 2^53). */
export function setR0(r: Int32Array, v: number): void {
  r[0] = v | 0;
  r[1] = v < 0 ? -1 : Math.floor(v / 4294967296) | 0;
}

/** Sets r0 to an unsigned 64-bit bigint. */
export function setR0Big(r: Int32Array, v: bigint): void {
  const x = BigInt.asUintN(64, v);
  r[0] = Number(BigInt.asIntN(32, x));
  r[1] = Number(BigInt.asIntN(32, x >> 32n));
}

/** Argument n (1..5) as an unsigned bigint. */
export function argBig(r: Int32Array, n: number): bigint {
  return (BigInt(r[2 * n + 1]! >>> 0) << 32n) | BigInt(r[2 * n]! >>> 0);
}

function helperFault(name: string, what: string): never {
  throw new KernelError('EFAULT', `${name}: invalid ${what}`);
}

/** The map a map pointer (r[2n], r[2n+1]) designates. */
export function mapArg(vm: BpfVm, r: Int32Array, n: number, name: string): BpfMap {
  const reg = vm.space.regionOf(r[2 * n + 1]!);
  if (!reg || r[2 * n] !== 0 || !(reg.owner instanceof BpfMap) || reg !== reg.owner.object)
    helperFault(name, `map pointer in R${n}`);
  return reg.owner;
}

/** `size` bytes at the pointer in argument n (a view into its region). */
export function memArg(vm: BpfVm, r: Int32Array, n: number, size: number, name: string, write = false): Uint8Array {
  return vm.bytes(r[2 * n + 1]!, r[2 * n]!, size, write) ?? helperFault(name, `memory in R${n} (size ${size})`);
}

/** Formats a bpf_trace_printk() format with up to three arguments (the subset bpf_bprintf_prepare() accepts). */
export function formatTracePrintk(vm: BpfVm, fmt: string, args: bigint[]): string {
  let ai = 0;
  return fmt.replace(
    /%(-?\d*)(ll|l|h|hh)?([diuxXcsp%])/g,
    (all, width: string, len: string | undefined, conv: string) => {
      if (conv === '%') return '%';
      const a = args[ai++] ?? 0n;
      let s: string;
      const bits = len === 'll' || len === 'l' ? 64 : 32;
      switch (conv) {
        case 'd':
        case 'i':
          s = BigInt.asIntN(bits, a).toString();
          break;
        case 'u':
          s = BigInt.asUintN(bits, a).toString();
          break;
        case 'x':
          s = BigInt.asUintN(bits, a).toString(16);
          break;
        case 'X':
          s = BigInt.asUintN(bits, a).toString(16).toUpperCase();
          break;
        case 'c':
          s = String.fromCharCode(Number(a & 0xffn));
          break;
        case 'p':
          s = '0x' + BigInt.asUintN(64, a).toString(16);
          break;
        default: {
          // %s: a NUL-terminated string in BPF memory
          const hi = Number(BigInt.asIntN(32, a >> 32n));
          let lo = Number(BigInt.asIntN(32, a));
          s = '';
          for (let k = 0; k < 1024; k++, lo = (lo + 1) | 0) {
            const b = vm.bytes(hi, lo, 1);
            if (!b || b[0] === 0) break;
            s += String.fromCharCode(b[0]!);
          }
        }
      }
      void all;
      const w = Number(width || 0);
      return Math.abs(w) > s.length ? (w < 0 ? s.padEnd(-w) : s.padStart(w)) : s;
    },
  );
}

/**
 * The task a run is `current` of: BPF_PROG_TEST_RUN's caller in Linux. Departure (6.18): a fixed simulated root
 * process (deterministic), whose task_struct has no readable contents and which has no user address space.
 */
export const CURRENT_TASK = { pid: 1000, tgid: 1000, uid: 0, gid: 0, comm: 'kernel-lab' } as const;
/**
 * bpf_get_current_task()'s value: a direct-map address (x86-64's direct map starts at 0xffff888000000000) below
 * every region of the model's address space (memory.ts: region n is at (0xffff8880 + n) << 32, n >= 1).
 */
export const CURRENT_TASK_ADDR = 0xffff888001a40000n;
/** The bytes at CURRENT_TASK_ADDR the model treats as the task_struct (no build's struct task_struct is larger). */
const TASK_STRUCT_SPAN = 0x4000n;

/** x86-64 with 4-level paging: TASK_SIZE_MAX (TASK_SIZE of a 64-bit task). */
const TASK_SIZE_MAX = 0x00007ffffffff000n;
const PAGE_SIZE = 4096n;
const ERANGE = 34;

/**
 * copy_from_kernel_nofault_allowed() of arch/x86/mm/maccess.c: not a user address (below TASK_SIZE_MAX plus the
 * guard page), not the vsyscall page, and canonical (48-bit virtual addresses).
 */
function kernelReadAllowed(addr: bigint): boolean {
  if (addr < TASK_SIZE_MAX + PAGE_SIZE) return false;
  if ((addr & ~0xfffn) === 0xffffffffff600000n) return false;
  return addr >> 47n === 0x1ffffn;
}

/**
 * The bytes of a kernel read at `addr` (in a region of the model), or undefined when it faults. A read of the
 * simulated task_struct is a KernelError naming the helper: the model has no contents for it.
 */
function kernelBytes(vm: BpfVm, name: string, addr: bigint, size: number): Uint8Array | undefined {
  if (size > 0 && addr < CURRENT_TASK_ADDR + TASK_STRUCT_SPAN && addr + BigInt(size) > CURRENT_TASK_ADDR) {
    throw new KernelError(
      'EOPNOTSUPP',
      `${name}: a read of the current task_struct (0x${addr.toString(16)}, ${size} bytes) is not modelled: the simulated task has no contents`,
    );
  }
  return vm.bytes(Number(BigInt.asIntN(32, addr >> 32n)), Number(BigInt.asIntN(32, addr)), size);
}

/**
 * bpf_probe_read_{kernel,user}{,_str} and the compat bpf_probe_read{,_str} (kernel/trace/bpf_trace.c, mm/maccess.c
 * on x86-64): a copy, or the error with the destination zeroed. A str variant copies up to the NUL and returns the
 * length with it, or `size` with the last byte made NUL. The model has no user memory (CURRENT_TASK): a user read
 * of one byte or more faults. Departure (6.18): a kernel read that leaves the model's regions faults (-EFAULT),
 * where Linux usually reads the mapped memory next to the object (the stack above a frame, say).
 */
function probeReadHelpers(): BpfHelper[] {
  type Kind = 'kernel' | 'user' | 'compat';
  const read = (vm: BpfVm, r: Int32Array, name: string, kind: Kind, str: boolean): void => {
    const size = r[4]! >>> 0;
    const dst = memArg(vm, r, 1, size, name, true);
    const addr = argBig(r, 3);
    const user = kind === 'user' || (kind === 'compat' && addr < TASK_SIZE_MAX);
    const fail = (errno: number): void => {
      dst.fill(0);
      setR0(r, -errno);
    };
    // strncpy_from_{kernel,user}_nofault(): a count of 0 copies nothing and returns 0.
    if (str && size === 0) return setR0(r, 0);
    if (user) {
      // copy_from_user_nofault(): access_ok() refuses a kernel address; no user page is mapped in the model.
      if (size === 0 && addr < TASK_SIZE_MAX) return setR0(r, 0);
      return fail(EFAULT);
    }
    if (!kernelReadAllowed(addr)) return fail(ERANGE);
    if (!str) {
      const src = kernelBytes(vm, name, addr, size);
      if (!src) return fail(EFAULT);
      dst.set(src);
      return setR0(r, 0);
    }
    for (let i = 0; i < size; i++) {
      const b = kernelBytes(vm, name, addr + BigInt(i), 1);
      if (!b) return fail(EFAULT);
      dst[i] = i === size - 1 ? 0 : b[0]!;
      if (b[0] === 0) return setR0(r, i + 1);
    }
    setR0(r, size);
  };
  const defs: [number, string, Kind, boolean][] = [
    [4, 'bpf_probe_read', 'compat', false],
    [45, 'bpf_probe_read_str', 'compat', true],
    [112, 'bpf_probe_read_user', 'user', false],
    [113, 'bpf_probe_read_kernel', 'kernel', false],
    [114, 'bpf_probe_read_user_str', 'user', true],
    [115, 'bpf_probe_read_kernel_str', 'kernel', true],
  ];
  return defs.map(([id, name, kind, str]) => ({
    id,
    name,
    fn: (vm: BpfVm, r: Int32Array) => read(vm, r, name, kind, str),
  }));
}

/**
 * bpf_map_lookup_elem (kernel/bpf/helpers.c): r0 = the value's address, or 0. The WebAssembly JIT does the same
 * lookup inline for array and hash maps when this is the helper of the run (jit-wasm.ts).
 */
export const bpfMapLookupElem: BpfHelperFn = (vm, r) => {
  const map = mapArg(vm, r, 1, 'bpf_map_lookup_elem');
  const kr = vm.space.regionOf(r[5]!);
  const ko = r[4]! >>> 0;
  if (!kr || ko + map.key_size > kr.size) helperFault('bpf_map_lookup_elem', 'memory in R2');
  const off = map.lookupOffsetAt(kr.u8, ko, vm.cpu);
  if (off < 0) setR0(r, 0);
  else {
    r[0] = off;
    r[1] = regionHi(map.values);
  }
};

/** The kernel helpers modelled, keyed by id. */
export function kernelHelpers(): Map<number, BpfHelper> {
  const list: BpfHelper[] = [
    { id: 1, name: 'bpf_map_lookup_elem', fn: bpfMapLookupElem },
    {
      id: 2,
      name: 'bpf_map_update_elem',
      fn: (vm, r) => {
        const map = mapArg(vm, r, 1, 'bpf_map_update_elem');
        if (!map.values.writable) throw new KernelError('EACCES', 'write into map forbidden');
        const key = Uint8Array.from(memArg(vm, r, 2, map.key_size, 'bpf_map_update_elem'));
        const value = Uint8Array.from(memArg(vm, r, 3, map.value_size, 'bpf_map_update_elem'));
        setR0(r, map.updateElem(key, value, Number(argBig(r, 4)), vm.cpu));
      },
    },
    {
      id: 3,
      name: 'bpf_map_delete_elem',
      fn: (vm, r) => {
        const map = mapArg(vm, r, 1, 'bpf_map_delete_elem');
        if (!map.values.writable) throw new KernelError('EACCES', 'write into map forbidden');
        setR0(r, map.deleteElem(Uint8Array.from(memArg(vm, r, 2, map.key_size, 'bpf_map_delete_elem'))));
      },
    },
    { id: 5, name: 'bpf_ktime_get_ns', fn: (vm, r) => setR0Big(r, vm.now()) },
    // CLOCK_BOOTTIME: CLOCK_MONOTONIC plus time suspended; the virtual clock never suspends, so they are equal.
    { id: 125, name: 'bpf_ktime_get_boot_ns', fn: (vm, r) => setR0Big(r, vm.now()) },
    {
      id: 6,
      name: 'bpf_trace_printk',
      fn: (vm, r) => {
        const size = r[4]! >>> 0;
        const fmtBytes = memArg(vm, r, 1, size, 'bpf_trace_printk');
        const nul = fmtBytes.indexOf(0);
        if (size === 0 || nul < 0) {
          setR0(r, -EINVAL); // the format must be NUL-terminated within fmt_size
          return;
        }
        let fmt = '';
        for (let i = 0; i < nul; i++) fmt += String.fromCharCode(fmtBytes[i]!);
        const msg = formatTracePrintk(vm, fmt, [argBig(r, 3), argBig(r, 4), argBig(r, 5)]);
        vm.log(msg.endsWith('\n') ? msg.slice(0, -1) : msg);
        setR0(r, msg.length);
      },
    },
    {
      id: 7,
      name: 'bpf_get_prandom_u32',
      fn: (vm, r) => {
        r[0] = vm.prandom() | 0;
        r[1] = 0;
      },
    },
    { id: 8, name: 'bpf_get_smp_processor_id', fn: (vm, r) => setR0(r, vm.cpu) },
    ...probeReadHelpers(),
    {
      id: 14,
      name: 'bpf_get_current_pid_tgid',
      fn: (_vm, r) => setR0Big(r, (BigInt(CURRENT_TASK.tgid) << 32n) | BigInt(CURRENT_TASK.pid)),
    },
    {
      id: 15,
      name: 'bpf_get_current_uid_gid',
      fn: (_vm, r) => setR0Big(r, (BigInt(CURRENT_TASK.gid) << 32n) | BigInt(CURRENT_TASK.uid)),
    },
    {
      id: 16,
      name: 'bpf_get_current_comm',
      fn: (vm, r) => {
        // strscpy_pad(buf, current->comm, size): at most size - 1 bytes, the rest NUL; returns 0.
        const size = r[4]! >>> 0;
        const buf = memArg(vm, r, 1, size, 'bpf_get_current_comm', true);
        buf.fill(0);
        for (let i = 0; i < CURRENT_TASK.comm.length && i < size - 1; i++) buf[i] = CURRENT_TASK.comm.charCodeAt(i);
        setR0(r, 0);
      },
    },
    { id: 35, name: 'bpf_get_current_task', fn: (_vm, r) => setR0Big(r, CURRENT_TASK_ADDR) },
    {
      id: 130,
      name: 'bpf_ringbuf_output',
      fn: (vm, r) => {
        const rb = mapArg(vm, r, 1, 'bpf_ringbuf_output');
        if (!(rb instanceof RingbufMap)) helperFault('bpf_ringbuf_output', 'ring buffer in R1');
        const size = r[6]! >>> 0;
        if ((r[8]! & ~3) !== 0 || r[9] !== 0) return setR0(r, -EINVAL);
        const data = memArg(vm, r, 2, size, 'bpf_ringbuf_output');
        const off = rb.reserve(size);
        if (off < 0) return setR0(r, -EAGAIN);
        rb.values.u8.set(data, off);
        rb.commit(off, false);
        setR0(r, 0);
      },
    },
    {
      id: 131,
      name: 'bpf_ringbuf_reserve',
      fn: (vm, r) => {
        const rb = mapArg(vm, r, 1, 'bpf_ringbuf_reserve');
        if (!(rb instanceof RingbufMap)) helperFault('bpf_ringbuf_reserve', 'ring buffer in R1');
        if ((r[6]! | r[7]!) !== 0 || r[5] !== 0) return setR0(r, 0);
        const off = rb.reserve(r[4]! >>> 0);
        if (off < 0) return setR0(r, 0);
        r[0] = off;
        r[1] = regionHi(rb.values);
      },
    },
    ...(['submit', 'discard'] as const).map((kind, k) => ({
      id: 132 + k,
      name: `bpf_ringbuf_${kind}`,
      fn: (vm: BpfVm, r: Int32Array) => {
        const reg = vm.space.regionOf(r[3]!);
        const rb = reg?.owner;
        if (!(rb instanceof RingbufMap) || reg !== rb.values || !rb.commit(r[2]!, kind === 'discard')) {
          helperFault(`bpf_ringbuf_${kind}`, 'ring buffer record in R1');
        }
        setR0(r, 0);
      },
    })),
    {
      id: 134,
      name: 'bpf_ringbuf_query',
      fn: (vm, r) => {
        const rb = mapArg(vm, r, 1, 'bpf_ringbuf_query');
        if (!(rb instanceof RingbufMap)) helperFault('bpf_ringbuf_query', 'ring buffer in R1');
        const q = [rb.producer_pos - rb.consumer_pos, rb.max_entries, rb.consumer_pos, rb.producer_pos][r[4]!];
        setR0(r, r[5] === 0 && q !== undefined ? q : 0);
      },
    },
    {
      id: 181,
      name: 'bpf_loop',
      fn: (vm, r) => {
        const nr = r[2]! >>> 0;
        if ((r[8]! | r[9]!) !== 0) return setR0(r, -EINVAL);
        if (nr > BPF_MAX_LOOPS) return setR0(r, -E2BIG);
        const pc = vm.funcPc(r[5]!, r[4]!);
        if (pc < 0) helperFault('bpf_loop', 'callback_fn in R2');
        const ctx: [number, number] = [r[6]!, r[7]!];
        const out = new Int32Array(2);
        for (let i = 0; i < nr; i++) {
          vm.callFunction(pc, [[i, 0], ctx], out);
          if ((out[0]! | out[1]!) !== 0) return setR0(r, i + 1);
        }
        setR0(r, nr);
      },
    },
  ];
  return new Map(list.map((h) => [h.id, h]));
}

/** The open-coded iterator kfuncs: bpf_iter_num (kernel/bpf/bpf_iter.c: struct bpf_iter_num_kern { int cur; int end; } on the stack) and bpf_iter_bits. */
export function kernelKfuncs(ids: Readonly<Record<KfuncName, number>> = KFUNC_BTF_ID): Map<number, BpfHelper> {
  const iter = (vm: BpfVm, r: Int32Array, name: string): DataView => {
    const b = memArg(vm, r, 1, 8, name, true);
    return new DataView(b.buffer, b.byteOffset, 8);
  };
  const list: BpfHelper[] = [
    {
      id: ids.bpf_iter_num_new,
      name: 'bpf_iter_num_new',
      fn: (vm, r) => {
        const it = iter(vm, r, 'bpf_iter_num_new');
        const start = r[4]!;
        const end = r[6]!;
        // An int return value: x86-64 leaves it zero-extended in rax, so r0's upper half is 0.
        const ret = (v: number): void => {
          r[0] = v;
          r[1] = 0;
        };
        if (start > end) {
          it.setInt32(0, 0, true);
          it.setInt32(4, 0, true);
          return ret(-EINVAL);
        }
        if (end - start > BPF_MAX_LOOPS) {
          it.setInt32(0, 0, true);
          it.setInt32(4, 0, true);
          return ret(-E2BIG);
        }
        it.setInt32(0, (start - 1) | 0, true);
        it.setInt32(4, end, true);
        ret(0);
      },
    },
    {
      id: ids.bpf_iter_num_next,
      name: 'bpf_iter_num_next',
      fn: (vm, r) => {
        const it = iter(vm, r, 'bpf_iter_num_next');
        const cur = it.getInt32(0, true);
        const end = it.getInt32(4, true);
        // (s64)(s->cur + 1): the int addition wraps (the kernel builds with -fno-strict-overflow), then widens.
        if (((cur + 1) | 0) >= end) {
          it.setInt32(0, 0, true);
          it.setInt32(4, 0, true);
          r[0] = 0;
          r[1] = 0;
          return;
        }
        it.setInt32(0, (cur + 1) | 0, true);
        r[0] = r[2]!; // &s->cur: the iterator's own address
        r[1] = r[3]!;
      },
    },
    {
      id: ids.bpf_iter_num_destroy,
      name: 'bpf_iter_num_destroy',
      fn: (vm, r) => {
        const it = iter(vm, r, 'bpf_iter_num_destroy');
        it.setInt32(0, 0, true);
        it.setInt32(4, 0, true);
        r[0] = 0;
        r[1] = 0;
      },
    },
    ...bitsIterKfuncs(ids),
  ];
  return new Map(list.map((h) => [h.id, h]));
}

/**
 * bpf_iter_bits_{new,next,destroy} (kernel/bpf/helpers.c, 6.11+): the set bits of a copy of nr_words u64 words.
 * struct bpf_iter_bits_kern on the stack: the words (one word inline, more behind a pointer), nr_bits, bit.
 */
function bitsIterKfuncs(ids: Readonly<Record<KfuncName, number>>): BpfHelper[] {
  // More than one word: the kernel keeps them in bpf_mem_alloc() memory; the model keeps them here, the
  // iterator's first 8 bytes holding the copy's number instead of a kernel pointer.
  const copies = new Map<number, Uint8Array>();
  let nextCopy = 1;
  const iter = (vm: BpfVm, r: Int32Array, name: string): DataView => {
    const b = memArg(vm, r, 1, 16, name, true);
    return new DataView(b.buffer, b.byteOffset, 16);
  };
  const words = (it: DataView): Uint8Array | undefined => {
    const nr_bits = it.getInt32(8, true);
    if (nr_bits === 64) return new Uint8Array(it.buffer, it.byteOffset, 8);
    return copies.get(it.getUint32(0, true));
  };
  return [
    {
      id: ids.bpf_iter_bits_new,
      name: 'bpf_iter_bits_new',
      fn: (vm, r) => {
        const it = iter(vm, r, 'bpf_iter_bits_new');
        const ret = (v: number): void => {
          r[0] = v;
          r[1] = 0;
        };
        it.setInt32(8, 0, true); // nr_bits
        it.setBigUint64(0, 0n, true); // bits_copy
        it.setInt32(12, -1, true); // bit
        const nr_words = r[6]! >>> 0;
        if ((r[4]! === 0 && r[5]! === 0) || nr_words === 0) return ret(-EINVAL);
        if (nr_words > BITS_ITER_NR_WORDS_MAX) return ret(-E2BIG);
        const nr_bytes = nr_words * 8;
        // bpf_probe_read_kernel_common(): a read the VM cannot serve fails with -EFAULT.
        const src = vm.bytes(r[5]!, r[4]!, nr_bytes, false);
        if (!src) return ret(-EFAULT);
        if (nr_words === 1) {
          new Uint8Array(it.buffer, it.byteOffset, 8).set(src);
        } else {
          const id = nextCopy++;
          copies.set(id, Uint8Array.from(src));
          it.setUint32(0, id, true);
        }
        it.setInt32(8, nr_bytes * 8, true);
        ret(0);
      },
    },
    {
      id: ids.bpf_iter_bits_next,
      name: 'bpf_iter_bits_next',
      fn: (vm, r) => {
        const it = iter(vm, r, 'bpf_iter_bits_next');
        r[0] = 0;
        r[1] = 0;
        const nr_bits = it.getInt32(8, true);
        let bit = it.getInt32(12, true);
        if (!nr_bits || bit >= nr_bits) return;
        const w = words(it);
        if (!w) return;
        // find_next_bit(bits, nr_bits, bit + 1): little-endian u64 words, bit i of the area is bit i % 8 of byte i / 8.
        for (bit++; bit < nr_bits; bit++) if (w[bit >>> 3]! & (1 << (bit & 7))) break;
        it.setInt32(12, bit, true);
        if (bit >= nr_bits) return;
        r[0] = (r[2]! + 12) | 0; // &kit->bit
        r[1] = r[3]!;
      },
    },
    {
      id: ids.bpf_iter_bits_destroy,
      name: 'bpf_iter_bits_destroy',
      fn: (vm, r) => {
        const it = iter(vm, r, 'bpf_iter_bits_destroy');
        if (it.getInt32(8, true) > 64) copies.delete(it.getUint32(0, true));
        r[0] = 0;
        r[1] = 0;
      },
    },
  ];
}

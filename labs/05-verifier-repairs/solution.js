// Lab 05, reference solution: each program repaired with the smallest change that makes it safe.
const k = boot();

// arr: 4 entries of 8 bytes: 10, 20, 30, 40.
const arr = k.bpf.map_create({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 4, map_name: 'arr' });
[10, 20, 30, 40].forEach((v, i) => arr.update(i, v));
// tbl: one 64-byte value of 8 u64 slots: slot 0 holds an index (3), slots 1..7 hold 11, 22, ..., 77.
const tbl = k.bpf.map_create({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 64, max_entries: 1, map_name: 'tbl' });
const value = new Uint8Array(64);
const dv = new DataView(value.buffer);
dv.setBigUint64(0, 3n, true);
for (let i = 1; i < 8; i++) dv.setBigUint64(8 * i, BigInt(11 * i), true);
tbl.update(0, value);
const maps = { arr, tbl };

const programs = {
  // 0 + 1 + ... + 9 = 45.  Unreleased reference id=1 alloc_insn=5
  fix1: `
r6 = 0
r1 = r10
r1 += -8
r2 = 0
r3 = 10
call bpf_iter_num_new
next:
r1 = r10
r1 += -8
call bpf_iter_num_next
if r0 == 0 goto done
r1 = *(u32 *)(r0 + 0)
r6 += r1
goto next
done:
r1 = r10
r1 += -8
call bpf_iter_num_destroy
r0 = r6
exit
`,
  // 6 * 7 = 42 by adding 6 seven times.  R0 !read_ok
  fix2: `
r0 = 0
r1 = 7
l:
r0 += 6
r1 -= 1
if r1 != 0 goto l
exit
`,
  // arr[2] = 30.  R0 invalid mem access 'map_value_or_null'
  fix3: `
*(u32 *)(r10 - 4) = 2
r1 = arr ll
r2 = r10
r2 += -4
call bpf_map_lookup_elem
if r0 == 0 goto out
r0 = *(u64 *)(r0 + 0)
exit
out:
r0 = 0
exit
`,
  // slot[1 + slot[0]] of tbl's value = 44.  math between map_value pointer and register with unbounded min value is not allowed
  fix4: `
*(u32 *)(r10 - 4) = 0
r1 = tbl ll
r2 = r10
r2 += -4
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 0)
if r1 > 6 goto out
r1 <<= 3
r0 += r1
r0 = *(u64 *)(r0 + 8)
exit
out:
r0 = 0
exit
`,
  // popcount(180) = 4: add the low bit, shift right, until nothing is left.  infinite loop detected at insn 2
  fix5: `
r1 = 180
r0 = 0
l:
if r1 == 0 goto out
r2 = r1
r2 &= 1
r0 += r2
r1 >>= 1
goto l
out:
exit
`,
};

const result = {};
for (const [name, asm] of Object.entries(programs)) {
  try {
    const prog = k.bpf.prog_load({ asm, prog_type: 'raw_tp', prog_name: name, maps });
    result[name] = Number(prog.run().retval);
    print(name, 'loaded, returned', result[name]);
  } catch (e) {
    print(name, 'rejected:', e.message);
    print(e.log ?? '');
  }
}
lab.result(result);

// A program that updates an ARRAY map through bpf_map_lookup_elem: the BPF panel shows the map's entries.
const k = boot();
const counts = k.bpf.map_create({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 4, map_name: 'counts' });
const prog = k.bpf.prog_load({
  prog_name: 'count',
  verify: false,
  maps: { counts },
  asm: `
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    r1 = counts ll
    call 1
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
out:
    r0 = 0
    exit`,
});
for (let i = 0; i < 10; i++) prog.run();
for (const [key, value] of counts.entries()) print('key', key[0], 'value', value[0]);
print(prog.disasm());
lab.table(counts.entries().map(([key, value]) => ({ key: key[0], value: value[0] })), 'counts');

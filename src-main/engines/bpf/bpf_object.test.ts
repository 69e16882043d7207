import { describe, expect, it } from 'vitest';
import { KernelError } from '../common/errors';
import { findSecDef, internalMapName, POISON_CALL_KFUNC_BASE } from './bpf_object';
import { parseElf } from './elf';
import { bpfObjectFixture } from './fixtures/objects';
import { createBpf } from './index';

const fixture = bpfObjectFixture;

/** The KernelError a call throws. */
function thrown(fn: () => unknown): KernelError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('SEC() names (libbpf section_defs)', () => {
  it('maps section names to program types with libbpf\'s exact, "+" and "/" rules', () => {
    const t = (s: string): string | undefined => findSecDef(s)?.type;
    expect(t('socket')).toBe('SOCKET_FILTER');
    expect(t('socket/x')).toBeUndefined(); // exact
    expect(t('xdp')).toBe('XDP');
    expect(t('xdp.frags')).toBe('XDP');
    expect(t('tc')).toBe('SCHED_CLS');
    expect(t('classifier')).toBe('SCHED_CLS');
    expect(t('raw_tp/sys_enter')).toBe('RAW_TRACEPOINT');
    expect(t('raw_tp')).toBe('RAW_TRACEPOINT');
    expect(t('raw_tpx')).toBeUndefined(); // '+' needs '/' or the end
    expect(t('raw_tp.w/x')).toBe('RAW_TRACEPOINT_WRITABLE');
    expect(t('tp/syscalls/sys_enter_read')).toBe('TRACEPOINT');
    expect(t('kprobe/do_sys_open')).toBe('KPROBE');
    expect(t('syscall')).toBe('SYSCALL');
    expect(findSecDef('syscall')?.sleepable).toBe(true);
    expect(t('cgroup_skb/ingress')).toBe('CGROUP_SKB');
    expect(t('cgroup_skb/sideways')).toBeUndefined();
    expect(t('fentry/tcp_v4_connect')).toBe('TRACING');
    expect(t('.text')).toBeUndefined();
  });

  it('names global-data maps as libbpf does', () => {
    expect(internalMapName('sum_for', '.bss')).toBe('sum_for.bss');
    expect(internalMapName('averylongobjectname', '.rodata')).toBe('averylon.rodata');
    expect(internalMapName('obj', '.data.counters')).toBe('.data.counters');
  });
});

describe('obj_open and load of clang-built objects (fixtures/*.bpf.c)', () => {
  it('finds a raw_tp program and .data/.bss global data, and runs it', () => {
    const k = createBpf();
    const obj = k.obj_open(fixture('sum_for'), { name: 'sum_for.bpf.o' });
    expect(obj.name).toBe('sum_for');
    expect(obj.license).toBe('GPL');
    expect(obj.progs).toEqual([
      {
        name: 'sum_for',
        section: 'raw_tp/sys_enter',
        prog_type: 'BPF_PROG_TYPE_RAW_TRACEPOINT',
        autoload: true,
        sleepable: false,
        insn_cnt: 37,
      },
    ]);
    expect(obj.maps.map((m) => [m.name, m.section, m.map_type, m.key_size, m.value_size, m.max_entries])).toEqual([
      ['sum_for.data', '.data', 'BPF_MAP_TYPE_ARRAY', 4, 4, 1],
      ['sum_for.bss', '.bss', 'BPF_MAP_TYPE_ARRAY', 4, 8, 1],
    ]);
    expect([...obj.maps[0]!.initial!]).toEqual([5, 0, 0, 0]); // int runs = 5
    const { progs, maps } = obj.load();
    const p = progs['sum_for']!;
    expect(p.prog_type).toBe('BPF_PROG_TYPE_RAW_TRACEPOINT');
    // kfunc calls carry the engine's BTF ids after relocation.
    expect(p.disasm()).toContain('call bpf_iter_num_new#');
    expect(p.run(new Uint8Array(96)).retval).toBe(1n);
    expect(maps['sum_for.bss']!.lookup(0)).toEqual(Uint8Array.of(0x56, 0x13, 0, 0, 0, 0, 0, 0)); // 4950
    expect(maps['sum_for.data']!.lookup(0)).toEqual(Uint8Array.of(6, 0, 0, 0));
    expect(thrown(() => obj.load()).message).toBe("object 'sum_for': load can't be attempted twice");
  });

  it('creates BTF-defined maps from .maps with their key/value sizes from BTF', () => {
    const k = createBpf();
    const obj = k.obj_open(fixture('hash_repeat'));
    expect(obj.maps.map((m) => [m.name, m.map_type, m.key_size, m.value_size, m.max_entries, m.map_flags])).toEqual([
      ['counts', 'BPF_MAP_TYPE_HASH', 4, 8, 64, 0],
      ['slots', 'BPF_MAP_TYPE_ARRAY', 4, 4, 4, 0],
    ]);
    const { progs, maps } = obj.load();
    const p = progs['hash_repeat']!;
    expect(p.prog_type).toBe('BPF_PROG_TYPE_SOCKET_FILTER');
    expect(k.prog_test_run(p, { ctx_in: new Uint8Array(192) }).retval).toBe(8);
    expect(k.prog_test_run(p, { ctx_in: new Uint8Array(192) }).retval).toBe(8);
    const counts = maps['counts']!.entries().map(([key, v]) => [key[0], v[0]]);
    expect(counts.sort((a, b) => a[0]! - b[0]!)).toEqual([
      [0, 2],
      [1, 2],
      [2, 2],
      [3, 2],
      [4, 2],
      [5, 2],
      [6, 2],
      [7, 2],
    ]);
  });

  it('appends a .text subprogram and relocates its call and its global-data access', () => {
    const k = createBpf();
    const obj = k.obj_open(fixture('subprog'), { name: 'subprog.bpf.o' });
    const linked = obj.link('subprog', [10, 11]);
    const call = linked.insns.findIndex((i) => i.code === 0x85 && i.src_reg === 1);
    expect(call).toBeGreaterThan(0);
    const callee = call + linked.insns[call]!.imm + 1;
    expect(callee).toBe(obj.progs[0]!.insn_cnt); // weigh() goes right after the main program
    // func_info: the main program at 0 and weigh() where it was appended.
    expect(linked.func_info.map((f) => f.insn_off)).toEqual([0, callee]);
    expect(linked.line_info.find((l) => l.insn_idx === callee)).toMatchObject({
      line: 10,
      text: '\treturn x * scale;',
    });
    // weigh() reads `scale` from .data: map fd 10, offset 0.
    expect(linked.insns.slice(callee).find((i) => i.code === 0x18)).toMatchObject({ src_reg: 2, imm: 10 });
    const { progs, maps } = obj.load();
    expect(k.prog_test_run(progs['subprog']!, { ctx_in: new Uint8Array(8) }).retval).toBe(3 * 28);
    expect([...new Uint32Array(maps['subprog.bss']!.lookup(0)!.buffer)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('keeps the C source lines of each program', () => {
    const { progs } = createBpf().obj_open(fixture('sum_for')).load();
    const src = progs['sum_for']!.source!;
    expect(src[0]).toMatchObject({ insn: 0, file: './sum_for.bpf.c', line: 9, text: 'int sum_for(void *ctx)' });
    expect(src.some((l) => l.text.includes('bpf_for(i, 0, 100)') && l.line === 13)).toBe(true);
  });

  it("fails the load with the verifier's errno and log when a program is rejected", () => {
    const e = thrown(() => createBpf().obj_open(fixture('oob_for')).load());
    expect(e.errno).toBe('EACCES');
    expect(e.message).toBe(
      "prog 'oob_for': BPF program load failed: invalid access to map value, value_size=32 off=36 size=4",
    );
    expect(e.detail?.['prog']).toBe('oob_for');
    expect(String(e.detail?.['log'])).toContain('R3 max value is outside of the allowed memory range');
    // The rejected instruction's C line, and the log annotated as the kernel annotates it from line_info.
    expect(e.detail).toMatchObject({ insn: 22, file: './oob_for.bpf.c', line: 13, text: '\t\tseen[i] = i;' });
    const log = String(e.detail?.['log']).split('\n');
    const at = log.findIndex((l) => l.startsWith('22: (63)'));
    expect(log[at - 1]).toBe('; seen[i] = i; @ oob_for.bpf.c:13');
    expect(log).toContain('; bpf_for(i, 0, 10) @ oob_for.bpf.c:12');
  });

  it('resolves __ksym kfuncs by name: a strong unknown one is ESRCH, a weak one a poisoned call', () => {
    const e = thrown(() => createBpf().obj_open(fixture('kfunc_missing')).load());
    expect(e.errno).toBe('ESRCH');
    expect(e.message).toBe("extern (func ksym) 'bpf_rcu_read_lock': not found in kernel or module BTFs");
    const weak = createBpf().obj_open(fixture('kfunc_weak'));
    expect(weak.link('kfunc_weak', []).insns[0]).toMatchObject({ code: 0x85, src_reg: 0, imm: POISON_CALL_KFUNC_BASE });
    const w = thrown(() => weak.load());
    expect(w.errno).toBe('EINVAL');
    expect(w.message).toContain(`invalid func unknown#${POISON_CALL_KFUNC_BASE}`);
  });
});

describe('per-program autoload (bpf_program__set_autoload())', () => {
  const names = (r: Record<string, unknown>): string[] => Object.keys(r).sort();

  it('starts "?" sections with autoload off, and loads only the programs whose autoload is on', () => {
    const k = createBpf();
    const obj = k.obj_open(fixture('autoload'), { name: 'autoload.bpf.o' });
    expect(obj.progs.map((p) => [p.name, p.section, p.autoload])).toEqual([
      ['good', 'raw_tp', true],
      ['bad', 'raw_tp', true],
      ['opt', '?raw_tp', false],
      ['probe', 'kprobe/do_nanosleep', true],
    ]);
    obj.set_autoload('bad', false);
    obj.set_autoload('probe', false);
    obj.set_autoload('opt', true);
    expect(obj.progs.map((p) => p.autoload)).toEqual([true, false, true, false]);
    const { progs, maps } = obj.load();
    // `bad` (rejected) and `probe` (a type the model does not load) are neither relocated nor verified.
    expect(names(progs)).toEqual(['good', 'opt']);
    expect([...k.progs.values()].map((p) => p.name).sort()).toEqual(['good', 'opt']);
    expect(progs['good']!.run().retval).toBe(7n);
    expect(progs['opt']!.run().retval).toBe(8n);
    // The maps are the object's whatever its programs use: `vals` too, though only `bad` looks it up.
    expect(names(maps)).toEqual(['autoload.bss', 'vals']);
    expect(maps['autoload.bss']!.lookup(0)).toEqual(Uint8Array.of(11, 0, 0, 0, 0, 0, 0, 0));
  });

  it('loads one program alone', () => {
    const obj = createBpf().obj_open(fixture('autoload'));
    for (const p of obj.progs) obj.set_autoload(p.name, p.name === 'good');
    expect(names(obj.load().progs)).toEqual(['good']);
  });

  it('is EINVAL after the load, and ENOENT for a name that is no program', () => {
    const obj = createBpf().obj_open(fixture('autoload'), { name: 'autoload.bpf.o' });
    const e = thrown(() => obj.set_autoload('nope', false));
    expect([e.errno, e.message]).toEqual([
      'ENOENT',
      "object 'autoload': no program 'nope' (it has good, bad, opt, probe)",
    ]);
    obj.set_autoload('bad', false);
    obj.set_autoload('probe', false);
    obj.load();
    const late = thrown(() => obj.set_autoload('bad', true));
    expect([late.errno, late.message]).toEqual([
      'EINVAL',
      "prog 'bad': autoload can't be changed after the object's load",
    ]);
  });

  it('undoes a failed load (bpf_object_unload()): no program is left, and the object cannot load again', () => {
    const k = createBpf();
    const obj = k.obj_open(fixture('autoload'), { name: 'autoload.bpf.o' });
    obj.set_autoload('probe', false);
    const e = thrown(() => obj.load());
    expect([e.errno, e.message]).toEqual([
      'EACCES',
      "prog 'bad': BPF program load failed: R0 invalid mem access 'map_value_or_null'",
    ]);
    // `good` loaded before `bad` failed; the failed load closed it again. The maps stay (a departure: the panel
    // replays the rejected walk with them).
    expect(k.progs.size).toBe(0);
    expect(k.maps.size).toBe(2);
    expect(thrown(() => obj.load()).message).toBe("object 'autoload': load can't be attempted twice");
    expect(thrown(() => obj.set_autoload('bad', false)).errno).toBe('EINVAL');
    // A program of a type the model does not load fails the load only while its autoload is on.
    const probe = k.obj_open(fixture('autoload'));
    probe.set_autoload('bad', false);
    expect(thrown(() => probe.load()).message).toBe(
      "prog 'probe': BPF_PROG_TYPE_KPROBE (section 'kprobe/do_nanosleep') is not modelled",
    );
  });

  it('resolves every extern of the object, also those only a program left out calls (bpf_object__resolve_externs())', () => {
    const obj = createBpf().obj_open(fixture('kfunc_missing'));
    obj.set_autoload(obj.progs[0]!.name, false);
    expect(thrown(() => obj.load()).errno).toBe('ESRCH');
  });

  it('prog_load({ obj, prog_name }) loads that program alone, a "?" one too', () => {
    const bpf = createBpf();
    const obj = fixture('autoload');
    expect(bpf.prog_load({ obj, prog_name: 'good' }).run().retval).toBe(7n);
    expect(bpf.prog_load({ obj, prog_name: 'opt' }).run().retval).toBe(8n);
    expect(thrown(() => bpf.prog_load({ obj, prog_name: 'bad' })).errno).toBe('EACCES');
    expect(thrown(() => bpf.prog_load({ obj })).message).toBe(
      'prog_load: the object has 3 programs (good, bad, probe): name one with prog_name',
    );
  });
});

describe('malformed objects', () => {
  it('names the section and the offset of what is wrong', () => {
    const good = fixture('sum_for');
    const k = createBpf();
    expect(thrown(() => k.obj_open(good.subarray(0, 40))).message).toBe(
      'elf: ELF header at offset 0x0: file of 40 bytes is shorter than the 64-byte ELF64 header',
    );
    const machine = Uint8Array.from(good);
    machine[18] = 62; // EM_X86_64
    expect(thrown(() => k.obj_open(machine)).message).toBe(
      'elf: ELF header at offset 0x12: e_machine 62 is not EM_BPF (247): not a valid eBPF object file',
    );
    const dv = new DataView(good.buffer, good.byteOffset);
    const shoff = Number(dv.getBigUint64(40, true));
    const bad = Uint8Array.from(good);
    // Section 2's sh_size made huge.
    new DataView(bad.buffer).setUint32(shoff + 2 * 64 + 32, 0x7fffffff, true);
    const e = thrown(() => k.obj_open(bad));
    expect(e.errno).toBe('EINVAL');
    expect(e.message).toMatch(
      /^elf: section 2 at offset 0x[0-9a-f]+: sh_offset 0x[0-9a-f]+ \+ sh_size 0x7fffffff is past the end of the file/,
    );
    expect(e.detail).toMatchObject({ section: 'section 2', offset: shoff + 2 * 64 + 24 });
    expect(thrown(() => k.obj_open(good.subarray(0, shoff + 64))).message).toMatch(
      /section headers at 0x[0-9a-f]+ do not fit in the file/,
    );
  });
});

describe('BPF_PROG_LOAD with line_info', () => {
  const at = (insn: number, line: number, text: string) => ({ insn, file: '/src/p.bpf.c', line, col: 2, text });

  it('prints the C lines in the log (verbose_linfo), names the rejected C line, and keeps them as source', () => {
    const bpf = createBpf();
    const ok = bpf.prog_load({
      asm: 'r0 = 0\nr0 += 1\nexit',
      log_level: 2,
      line_info: [at(0, 3, '\tint x = 0;'), at(1, 4, 'return x + 1;')],
    });
    expect(ok.verifier_log).toContain('; int x = 0; @ p.bpf.c:3\n0: (b7) r0 = 0');
    expect(ok.verifier_log).toContain('; return x + 1; @ p.bpf.c:4\n1: (07) r0 += 1');
    expect(ok.source?.map((s) => [s.insn, s.line])).toEqual([
      [0, 3],
      [1, 4],
    ]);
    const e = thrown(() =>
      bpf.prog_load({
        asm: 'r1 = 0\nexit',
        line_info: [at(0, 7, 'int v;'), at(1, 8, 'return v;')],
      }),
    );
    expect(e.errno).toBe('EACCES');
    expect(e.detail).toMatchObject({ insn: 1, file: '/src/p.bpf.c', line: 8, col: 2, text: 'return v;' });
    expect(String(e.detail?.['log'])).toContain('; return v; @ p.bpf.c:8\n1: (95) exit\nR0 !read_ok');
  });

  it('refuses insn_offs that do not increase, run past the program or land inside an ld_imm64 (check_btf_line())', () => {
    const bpf = createBpf();
    const load = (asm: string, li: ReturnType<typeof at>[]): string =>
      thrown(() => bpf.prog_load({ asm, line_info: li })).message;
    expect(load('r0 = 0\nexit', [at(1, 1, 'a'), at(1, 2, 'b')])).toBe(
      'Invalid line_info[1].insn_off:1 (prev_offset:1 prog->len:2)',
    );
    expect(load('r0 = 0\nexit', [at(0, 1, 'a'), at(2, 2, 'b')])).toBe(
      'Invalid line_info[1].insn_off:2 (prev_offset:0 prog->len:2)',
    );
    expect(load('r0 = 0 ll\nexit', [at(1, 1, 'a')])).toBe('Invalid insn code at line_info[0].insn_off');
    // insn_off is a u32 instruction index: anything else is as invalid as an index past the program.
    expect(load('r0 = 0\nexit', [at(0.5, 1, 'a')])).toBe(
      'Invalid line_info[0].insn_off:0.5 (prev_offset:0 prog->len:2)',
    );
    expect(load('r0 = 0\nexit', [at(-1, 1, 'a')])).toBe('Invalid line_info[0].insn_off:-1 (prev_offset:0 prog->len:2)');
  });

  it("takes an object's line_info byte offset inside an instruction as that instruction (libbpf's u32 division)", () => {
    const bytes = Uint8Array.from(fixture('sum_for'));
    const ext = parseElf(bytes).sections.find((s) => s.name === '.BTF.ext')!;
    const dv = new DataView(bytes.buffer);
    const hdr = dv.getUint32(ext.offset + 4, true);
    // The first line_info record: after the header, the record size and its section's name offset and count.
    const rec = ext.offset + hdr + dv.getUint32(ext.offset + 16, true) + 4 + 8;
    expect(dv.getUint32(rec, true)).toBe(0);
    dv.setUint32(rec, 5, true); // byte 5 of instruction 0
    const { progs } = createBpf().obj_open(bytes).load();
    expect(progs['sum_for']!.source![0]).toMatchObject({ insn: 0, line: 9, text: 'int sum_for(void *ctx)' });
  });
});

describe('prog_load({ obj })', () => {
  it('loads the object as bpf_object__load() and gives its program', () => {
    const bpf = createBpf();
    const p = bpf.prog_load({ obj: bpfObjectFixture('sum_for') });
    expect(p.name).toBe('sum_for');
    expect(p.source?.length).toBeGreaterThan(0);
    expect(
      bpf.prog_load({ obj: bpfObjectFixture('sum_for'), prog_name: 'sum_for', log_level: 2 }).verifier_log,
    ).toMatch(/processed \d+ insns/);
  });

  it('refuses other attributes, a missing program and C source, each with its errno', () => {
    const bpf = createBpf();
    const obj = bpfObjectFixture('sum_for');
    const err = (f: () => unknown): string => {
      try {
        f();
        return 'loaded';
      } catch (e) {
        return `${(e as KernelError).errno} ${(e as Error).message}`;
      }
    };
    expect(err(() => bpf.prog_load({ obj, asm: 'exit' }))).toBe(
      'EINVAL prog_load: an object brings its own program: give prog_name and log_level with { obj }, not asm',
    );
    expect(err(() => bpf.prog_load({ obj, prog_name: 'nope' }))).toBe(
      "ENOENT prog_load: the object has no program 'nope' (it has sum_for)",
    );
    expect(err(() => bpf.prog_load({ c: 'int x;' }))).toMatch(
      /^EOPNOTSUPP prog_load: C source is compiled by a script's run/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { directMapDelta, parseDirectMapMeminfo, parseDirectMapSnapshot, parseDirectMapVmstat } from './direct-map';
import { kernelOracle, kfuncIdsByName, OracleUnavailableError, patchProgram } from './index';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHelper, fromHex, parseResponse, request } from './native';
import { errnoName, progTypeNumber } from './uapi';
import { firstErrorLine, processedInsns } from './verifier-log';

describe('verifier log', () => {
  it('finds the reason after the walk (6.18 wording of an uninitialised read)', () => {
    const log = [
      '0: R1=ctx() R10=fp0',
      '0: (bf) r0 = r2',
      'R2 !read_ok',
      'processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0',
      '',
    ].join('\n');
    expect(firstErrorLine(log)).toBe('R2 !read_ok');
    expect(processedInsns(log)).toBe(1);
  });

  it('skips branch and state lines and reports nothing for an accepted program', () => {
    expect(
      firstErrorLine(
        'from 9 to 13: R0=0 refs=1\n13: (bf) r1 = r10  ; R1=fp0\nUnreleased reference id=1 alloc_insn=4\n',
      ),
    ).toBe('Unreleased reference id=1 alloc_insn=4');
    expect(
      firstErrorLine(
        'processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n',
      ),
    ).toBeUndefined();
  });
});

describe('direct map text', () => {
  const meminfo =
    'MemTotal:       27262976 kB\nDirectMap4k:       20480 kB\nDirectMap2M:     2076672 kB\nDirectMap1G:    25165824 kB\n';
  const vmstat = 'nr_free_pages 1\ndirect_map_level2_splits 3\ndirect_map_level3_splits 1\npgsteal_direct 9\n';

  it('keeps only the DirectMap lines and direct_map_ counters', () => {
    expect(parseDirectMapMeminfo(meminfo)).toEqual({ DirectMap4k: 20480, DirectMap2M: 2076672, DirectMap1G: 25165824 });
    expect(parseDirectMapVmstat(vmstat)).toEqual({ direct_map_level2_splits: 3, direct_map_level3_splits: 1 });
  });

  it('subtracts snapshots counter by counter', () => {
    const a = parseDirectMapSnapshot(meminfo + vmstat);
    const b = parseDirectMapSnapshot(
      meminfo.replace('20480', '22528').replace('2076672', '2074624') + vmstat.replace('splits 3', 'splits 4'),
    );
    expect(directMapDelta(a, b)).toEqual({
      meminfo: { DirectMap4k: 2048, DirectMap2M: -2048, DirectMap1G: 0 },
      vmstat: { direct_map_level2_splits: 1, direct_map_level3_splits: 0 },
    });
  });
});

describe('helper protocol', () => {
  it('formats requests with hex bytes and parses responses', () => {
    expect(
      request('prog_load', { type: 1, insns: new Uint8Array([0xb7, 0, 0, 0, 42, 0, 0, 0]), attach: undefined }),
    ).toBe('prog_load type=1 insns=b70000002a000000');
    const r = parseResponse('err errno=13 what=prog_load log=5232\n');
    expect(r).toEqual({ ok: false, fields: { errno: '13', what: 'prog_load', log: '5232' } });
    expect(new TextDecoder().decode(fromHex(r.fields['log']))).toBe('R2');
  });

  it('names errnos and program types', () => {
    expect(errnoName(13)).toBe('EACCES');
    expect(errnoName(4242)).toBe('errno 4242');
    expect(progTypeNumber('socket_filter')).toBe(1);
    expect(progTypeNumber('BPF_PROG_TYPE_SYSCALL')).toBe(31);
    expect(progTypeNumber('raw_tp')).toBe(17); // libbpf section names
    expect(progTypeNumber('xdp')).toBe(6);
    expect(progTypeNumber(undefined)).toBe(1);
    expect(() => progTypeNumber('nope')).toThrow('unknown program type nope');
  });
});

describe('patchProgram', () => {
  it('rewrites kfunc imms to this kernel ids and map fds to fd_array indexes', () => {
    // call kfunc 100; r1 = map fd 7 (ld_imm64); r1 = map value fd 9 + 4; exit
    const b = new Uint8Array(6 * 8);
    const dv = new DataView(b.buffer);
    b.set([0x85, 0x20], 0);
    dv.setInt32(4, 100, true);
    b.set([0x18, 0x11], 8);
    dv.setInt32(12, 7, true);
    b.set([0x18, 0x21], 24);
    dv.setInt32(28, 9, true);
    dv.setInt32(36, 4, true);
    b[40] = 0x95;
    const spec = { map_type: 'array', key_size: 4, value_size: 8, max_entries: 1 };
    const maps = patchProgram(
      b,
      { kfuncs: { 100: 'bpf_x' }, maps: { 7: spec, 9: { ...spec, max_entries: 2 } } },
      (n) => (n === 'bpf_x' ? 5555 : undefined),
    );
    expect(dv.getInt32(4, true)).toBe(5555);
    expect(b[9]).toBe(0x51); // BPF_PSEUDO_MAP_IDX, dst r1
    expect(dv.getInt32(12, true)).toBe(0);
    expect(b[25]).toBe(0x61); // BPF_PSEUDO_MAP_IDX_VALUE
    expect(dv.getInt32(28, true)).toBe(1);
    expect(dv.getInt32(36, true)).toBe(4); // the value offset is untouched
    expect(maps.map((m) => m.max_entries)).toEqual([1, 2]);
    expect(() =>
      patchProgram(Uint8Array.from(b.subarray(0, 8)).fill(0, 4), { kfuncs: { 0: 'bpf_gone' } }, () => undefined),
    ).toThrow(new OracleUnavailableError('kfunc bpf_gone does not exist on this kernel'));
  });
});

describe('native helper build', () => {
  const cc = process.env['CC'] || 'cc';
  const ccDir = mkdtempSync(join(tmpdir(), 'kernel-lab-cc-'));
  const hasCc = buildHelper({ cc, dir: ccDir });
  rmSync(ccDir, { recursive: true, force: true });
  if (!hasCc.ok) console.log(`native helper cache test skipped: ${hasCc.why}`);
  it.skipIf(!hasCc.ok)("keeps another checkout's recent build in the shared cache and removes week-old ones", () => {
    const dir = mkdtempSync(join(tmpdir(), 'kernel-lab-'));
    try {
      const recent = join(dir, 'kernel-oracle-0123456789abcdef');
      const old = join(dir, 'kernel-oracle-fedcba9876543210');
      writeFileSync(recent, '');
      writeFileSync(old, '');
      const weekAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000);
      utimesSync(old, weekAgo, weekAgo);
      const b = buildHelper({ cc, dir });
      expect(b.ok).toBe(true);
      expect(existsSync(recent)).toBe(true);
      expect(existsSync(old)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says in one line that there is no C compiler', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kernel-lab-'));
    try {
      expect(buildHelper({ cc: '/nonexistent/cc', dir })).toEqual({
        ok: false,
        why: 'no C compiler found (/nonexistent/cc) to build the native helper',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('kfuncIdsByName', () => {
  it("writes a kernel log's kfunc ids as another BTF's, by name, and aligns the state on the call's line again", () => {
    const kernel =
      '4: (85) call bpf_iter_num_new#50001   ; R0=scalar() refs=1\nmark_precise: frame0: regs=r0 stack= before 8: (85) call bpf_iter_num_next#50004\n9: (85) call bpf_map_lookup_elem#1\nfunc#0 @0\n';
    expect(kfuncIdsByName(kernel, { bpf_iter_num_new: 14, bpf_iter_num_next: 16 })).toBe(
      '4: (85) call bpf_iter_num_new#14      ; R0=scalar() refs=1\nmark_precise: frame0: regs=r0 stack= before 8: (85) call bpf_iter_num_next#16\n9: (85) call bpf_map_lookup_elem#1\nfunc#0 @0\n',
    );
    // Back again: the padding is the kernel's for the longer id (vlog_alignment() rounds to 8 columns from 40).
    expect(
      kfuncIdsByName(kfuncIdsByName(kernel, { bpf_iter_num_new: 14, bpf_iter_num_next: 16 }), {
        bpf_iter_num_new: 50001,
        bpf_iter_num_next: 50004,
      }),
    ).toBe(kernel);
    expect(
      kfuncIdsByName('12: (85) call bpf_iter_bits_destroy#49887         ; R0=0', { bpf_iter_bits_destroy: 29 }),
    ).toBe('12: (85) call bpf_iter_bits_destroy#29        ; R0=0');
  });
});

describe('KERNEL_LAB_ORACLE=off', () => {
  it('turns every path that asks the running kernel off, saying so', () => {
    const was = process.env['KERNEL_LAB_ORACLE'];
    process.env['KERNEL_LAB_ORACLE'] = 'off';
    try {
      const o = kernelOracle({ platform: 'linux' });
      expect(o.available()).toEqual({ ok: false, why: 'KERNEL_LAB_ORACLE=off' });
      expect(() => o.verify('r0 = 0\nexit')).toThrow(new OracleUnavailableError('KERNEL_LAB_ORACLE=off'));
      expect(() => o.btf()).toThrow(new OracleUnavailableError('KERNEL_LAB_ORACLE=off'));
      expect(o.directMap()).toEqual({ ok: false, why: 'KERNEL_LAB_ORACLE=off' });
      expect(() => o.secretProbe(1)).toThrow('KERNEL_LAB_ORACLE=off');
      expect(() => o.uringProbe()).toThrow('KERNEL_LAB_ORACLE=off');
    } finally {
      if (was === undefined) delete process.env['KERNEL_LAB_ORACLE'];
      else process.env['KERNEL_LAB_ORACLE'] = was;
    }
  });
});

describe('on another OS', () => {
  const o = kernelOracle({ platform: 'darwin' });

  it('says why in one line and every entry point fails with that line', () => {
    expect(o.available()).toEqual({ ok: false, why: 'the kernel oracle needs Linux (this is darwin)' });
    expect(() => o.verify(new Uint8Array(16))).toThrow(
      new OracleUnavailableError('the kernel oracle needs Linux (this is darwin)'),
    );
    expect(() => o.testRun(new Uint8Array(16))).toThrow(OracleUnavailableError);
    expect(o.directMap()).toEqual({ ok: false, why: 'the direct map view needs Linux (this is darwin)' });
    expect(() => o.secretProbe(1)).toThrow('memfd_secret needs Linux (this is darwin)');
    expect(() => o.uringProbe()).toThrow('io_uring needs Linux (this is darwin)');
    expect(() => o.kfunc_id('bpf_iter_num_new')).toThrow('kernel BTF needs Linux (this is darwin)');
  });
});

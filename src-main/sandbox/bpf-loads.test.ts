import { describe, expect, it } from 'vitest';
import { MachineStateSchema } from '../contract';
import { boot } from '../engines/kernel';
import { bpfObjectFixture } from '../engines/bpf/fixtures/objects';
import { bpfLoads, MAX_TRACE_STEPS } from './bpf-loads';
import { machineState } from './machine-state';

/** bpf_for over [0, 3) with the iterator at fp-8; `end` is called on it after the loop (bpf_iter_num_destroy, or a leak). */
const loop = (end: string): string =>
  'r1 = r10\nr1 += -8\nr2 = 0\nr3 = 3\ncall bpf_iter_num_new\nl: r1 = r10\nr1 += -8\ncall bpf_iter_num_next\n' +
  `if r0 == 0 goto e\nr6 = *(u32 *)(r0 + 0)\ngoto l\ne: r1 = r10\nr1 += -8\ncall ${end}\nr0 = 0\nexit`;

function machine() {
  return boot({ memory: '1G' }, { log: () => {}, seed: 1 });
}

describe('the BPF panel view of program loads', () => {
  it('keeps a rejected load with its error, its listing and the walk up to the rejected instruction', () => {
    const k = machine();
    expect(() => k.bpf.prog_load({ asm: loop('bpf_get_prandom_u32'), prog_type: 'raw_tp', prog_name: 'leak' })).toThrow(
      /Unreleased reference id=1/,
    );
    const [load] = bpfLoads(k);
    expect(load).toMatchObject({
      seq: 0,
      name: 'leak',
      prog_type: 'raw_tracepoint',
      insn_cnt: 16,
      verified: true,
      ok: false,
      errno: 'EINVAL',
      error: 'Unreleased reference id=1 alloc_insn=4',
      insn: 15,
      line: 16,
    });
    expect(load!.prog_id).toBeUndefined();
    const d = load!.detail!;
    expect(d.disasm.split('\n')[4]).toBe('4: (85) call bpf_iter_num_new#14');
    expect(d.log).toContain('Unreleased reference id=1 alloc_insn=4');
    expect(d.insns).toHaveLength(16 * 16);
    expect(d.insns!.slice(0, 16)).toBe('bfa1000000000000'); // r1 = r10
    const t = d.trace!;
    // 14 processed instructions in the log: 13 recorded steps, then the rejected exit with the state before it.
    expect(t.processed).toBe(14);
    expect(t.capped).toBe(false);
    expect(t.steps.map((s) => s[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15]);
    const last = t.steps[t.steps.length - 1]!;
    // The leaked iterator is still on the stack, drained.
    expect(t.states[last[3]]).toBe('R0=0 R10=fp0 fp-8=iter_num(ref_id=1,state=drained,depth=0) refs=1');
    expect(t.states[t.steps[4]![3]]).toBe('R0=scalar() R10=fp0 fp-8=iter_num(ref_id=1,state=active,depth=0) refs=1');
    expect(t.paths[0]).toEqual({
      id: 0,
      parent: -1,
      from: -1,
      to: 0,
      end: 'Unreleased reference id=1 alloc_insn=4',
      at: 15,
    });
    // The drained path was rejected first; the active one (7 -> 8) was never popped.
    expect(t.paths[1]).toEqual({ id: 1, parent: 0, from: 7, to: 8 });
  });

  it('keeps an accepted load with its id, the walk of every path and where one was pruned', () => {
    const k = machine();
    const prog = k.bpf.prog_load({ asm: loop('bpf_iter_num_destroy'), prog_type: 'raw_tp', prog_name: 'sum' });
    const [load] = bpfLoads(k);
    expect(load).toMatchObject({ prog_id: prog.id, ok: true, name: 'sum', insn_cnt: 16 });
    const t = load!.detail!.trace!;
    expect(t.processed).toBe(20);
    // Path 0 to its exit, then path 1 (forked 7 -> 8) from 8 until insn 7 is pruned: 19 steps and the pruned one.
    expect(t.steps.map((s) => `${s[1]}:${s[0]}`).join(' ')).toBe(
      '0:0 0:1 0:2 0:3 0:4 0:5 0:6 0:7 0:8 0:11 0:12 0:13 0:14 0:15 1:8 1:9 1:10 1:5 1:6 1:7',
    );
    expect(t.states[t.steps[14]![3]]).toContain('fp-8=iter_num(ref_id=1,state=active,depth=1)');
    expect(t.paths[1]).toEqual({ id: 1, parent: 0, from: 7, to: 8, end: 'safe', at: 7 });
  });

  it("carries the load's prog_flags for the kernel check, and replays the walk with them", () => {
    const k = machine();
    const asm = 'r1 = 3\nl:\nr1 -= 1\nif r1 != 0 goto l\nr0 = 0\nexit';
    k.bpf.prog_load({ asm, prog_type: 'socket', prog_name: 'freq', prog_flags: 8 });
    k.bpf.prog_load({ asm, prog_type: 'socket', prog_name: 'freq2', test_state_freq: true });
    k.bpf.prog_load({ asm, prog_type: 'socket', prog_name: 'plain' });
    const [a, b, c] = bpfLoads(k);
    expect([a!.detail!.prog_flags, b!.detail!.prog_flags, c!.detail!.prog_flags]).toEqual([8, 8, undefined]);
    // BPF_F_TEST_STATE_FREQ: a checkpoint at every prune point, 6 where the plain load makes none (6.18's figures).
    expect(a!.detail!.log).toContain('total_states 6');
    expect(c!.detail!.log).toContain('total_states 0');
    expect(() => k.bpf.prog_load({ asm, prog_type: 'socket', prog_flags: 16 })).toThrow(
      'Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable',
    );
    expect(() => k.bpf.prog_load({ asm, prog_type: 'socket', prog_flags: 1 << 9 })).toThrow(
      /prog_flags 512: unknown flag bits 0x200/,
    );
    // bpf_prog_load() checks the flags before anything else, so a load without the verifier is refused too.
    expect(() => k.bpf.prog_load({ asm, prog_type: 'socket', verify: false, prog_flags: 1 << 9 })).toThrow(
      /unknown flag bits 0x200/,
    );
    expect(() => k.bpf.prog_load({ asm, prog_type: 'socket', prog_flags: 2 ** 32 })).toThrow(
      'prog_flags 4294967296: not a u32 flag mask',
    );
  });

  it('sends the detail once: later machine states carry the summary only', () => {
    const k = machine();
    k.bpf.prog_load({ asm: 'r0 = 0\nexit', prog_name: 'a' });
    const first = machineState(k, 0);
    expect(MachineStateSchema.parse(first).bpf.loads[0]!.detail?.trace?.steps).toHaveLength(2);
    const second = machineState(k, 0);
    expect(second.bpf.loads[0]!.detail).toBeUndefined();
    expect(second.bpf.loads[0]!.seq).toBe(0);
    k.bpf.prog_load({ asm: 'r0 = 1\nexit', prog_name: 'b' });
    const third = machineState(k, 0);
    expect(third.bpf.loads.map((l) => [l.name, !!l.detail])).toEqual([
      ['a', false],
      ['b', true],
    ]);
  });

  it('replays one walk at least per state within its time budget, the rest in later states', () => {
    const k = machine();
    k.bpf.prog_load({ asm: 'r0 = 0\nexit', prog_name: 'a' });
    k.bpf.prog_load({ asm: 'r0 = 1\nexit', prog_name: 'b' });
    expect(bpfLoads(k, -1).map((l) => !!l.detail)).toEqual([true, false]);
    expect(bpfLoads(k, -1).map((l) => !!l.detail)).toEqual([false, true]);
    expect(bpfLoads(k, -1).map((l) => !!l.detail)).toEqual([false, false]);
  });

  it('caps the walk at MAX_TRACE_STEPS and says so', () => {
    const k = machine();
    // 1000 iterations of a counted loop: about 3,000 processed instructions.
    k.bpf.prog_load({ asm: 'r1 = 0\nl: r1 += 1\nif r1 < 1000 goto l\nr0 = 0\nexit', prog_name: 'long' });
    const t = bpfLoads(k)[0]!.detail!.trace!;
    expect(t.capped).toBe(true);
    expect(t.steps).toHaveLength(MAX_TRACE_STEPS);
    expect(t.processed).toBeGreaterThan(MAX_TRACE_STEPS);
    expect(t.paths[0]!.end).toBeUndefined();
  });

  it('names the maps the program uses, for the kernel check', () => {
    const k = machine();
    const m = k.bpf.map_create({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 4 });
    k.bpf.prog_load({ asm: 'r1 = m ll\nr0 = 0\nexit', maps: { m } });
    expect(bpfLoads(k)[0]!.detail!.maps).toEqual([
      { fd: m.id, map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 4 },
    ]);
  });

  it('keeps an assembler error without a listing or a walk', () => {
    const k = machine();
    expect(() => k.bpf.prog_load({ asm: 'r0 = 0\nbogus\nexit' })).toThrow();
    const [load] = bpfLoads(k);
    expect(load).toMatchObject({ ok: false, errno: 'EINVAL', insn_cnt: 0, line: 2 });
    expect(load!.detail!.trace).toBeUndefined();
    expect(load!.detail!.disasm).toBe('');
  });

  it('gives a program from a C object its line_info, and a rejected one its C line and annotated log', () => {
    const k = machine();
    k.bpf.obj_open(bpfObjectFixture('sum_for'), { name: 'sum_for.bpf.o' }).load();
    expect(() => k.bpf.obj_open(bpfObjectFixture('oob_for'), { name: 'oob_for.bpf.o' }).load()).toThrow(
      /invalid access to map value/,
    );
    const [ok, bad] = bpfLoads(k);
    expect(ok!.detail!.source![0]).toMatchObject({ insn: 0, line: 9, text: 'int sum_for(void *ctx)' });
    expect(ok!.detail!.source!.every((l, i, a) => i === 0 || l.insn > a[i - 1]!.insn)).toBe(true);
    expect(bad).toMatchObject({ ok: false, errno: 'EACCES', line: 13 });
    expect(bad!.detail!.source!.length).toBeGreaterThan(0);
    expect(bad!.detail!.log).toMatch(/^; seen\[i\] = i; @ oob_for\.bpf\.c:13$/m);
    expect(MachineStateSchema.shape.bpf.shape.loads.element.parse(bad)).toEqual(bad);
  });
});

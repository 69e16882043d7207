import { describe, expect, it } from 'vitest';
import { kernelForTests } from '../../../oracle/test-util';
import { answerOf, mapFuncVariants, modelAnswer, stackArgVariants } from './helper-args.fixtures';
import type { HelperVariant } from './helper-args.fixtures';

/**
 * Helper-call classes against Linux 6.18 (helper-args.fixtures.ts). KERNEL holds what this machine's 6.18.44
 * answered for every variant (BPF_PROG_LOAD as root, RAW_TRACEPOINT): `ok` or `ERRNO first error line`.
 */
const KERNEL: Record<string, string> = {
  'map_lookup_elem#1 array': 'ok',
  'map_lookup_elem#1 percpu_array': 'ok',
  'map_lookup_elem#1 hash': 'ok',
  'map_lookup_elem#1 lru_hash': 'ok',
  'map_lookup_elem#1 ringbuf': 'EACCES invalid zero-sized read',
  'map_update_elem#2 array': 'ok',
  'map_update_elem#2 percpu_array': 'ok',
  'map_update_elem#2 hash': 'ok',
  'map_update_elem#2 lru_hash': 'ok',
  'map_update_elem#2 ringbuf': 'EACCES invalid zero-sized read',
  'map_delete_elem#3 array': 'ok',
  'map_delete_elem#3 percpu_array': 'ok',
  'map_delete_elem#3 hash': 'ok',
  'map_delete_elem#3 lru_hash': 'ok',
  'map_delete_elem#3 ringbuf': 'EACCES invalid zero-sized read',
  'ringbuf_output#130 array': 'EINVAL cannot pass map_type 2 into func bpf_ringbuf_output#130',
  'ringbuf_output#130 percpu_array': 'EINVAL cannot pass map_type 6 into func bpf_ringbuf_output#130',
  'ringbuf_output#130 hash': 'EINVAL cannot pass map_type 1 into func bpf_ringbuf_output#130',
  'ringbuf_output#130 lru_hash': 'EINVAL cannot pass map_type 9 into func bpf_ringbuf_output#130',
  'ringbuf_output#130 ringbuf': 'ok',
  'ringbuf_reserve#131 array': 'EINVAL cannot pass map_type 2 into func bpf_ringbuf_reserve#131',
  'ringbuf_reserve#131 percpu_array': 'EINVAL cannot pass map_type 6 into func bpf_ringbuf_reserve#131',
  'ringbuf_reserve#131 hash': 'EINVAL cannot pass map_type 1 into func bpf_ringbuf_reserve#131',
  'ringbuf_reserve#131 lru_hash': 'EINVAL cannot pass map_type 9 into func bpf_ringbuf_reserve#131',
  'ringbuf_reserve#131 ringbuf': 'ok',
  'ringbuf_query#134 array': 'EINVAL cannot pass map_type 2 into func bpf_ringbuf_query#134',
  'ringbuf_query#134 percpu_array': 'EINVAL cannot pass map_type 6 into func bpf_ringbuf_query#134',
  'ringbuf_query#134 hash': 'EINVAL cannot pass map_type 1 into func bpf_ringbuf_query#134',
  'ringbuf_query#134 lru_hash': 'EINVAL cannot pass map_type 9 into func bpf_ringbuf_query#134',
  'ringbuf_query#134 ringbuf': 'ok',
  'ringbuf_output data fp-520 size 0': 'EACCES invalid read from stack R2 off=-520 size=0',
  'probe_read_kernel dst fp-520 size 0': 'EACCES invalid write to stack R1 off=-520 size=0',
  'get_current_comm buf fp-520 size 0': 'EACCES R2 invalid zero-sized read: u64=[0,0]',
  'ringbuf_output data fp-520 size 1': 'EACCES invalid read from stack R2 off=-520 size=1',
  'probe_read_kernel dst fp-520 size 1': 'EACCES invalid write to stack R1 off=-520 size=1',
  'get_current_comm buf fp-520 size 1': 'EACCES invalid write to stack R1 off=-520 size=1',
  'ringbuf_output data fp-520 size 8': 'EACCES invalid read from stack R2 off=-520 size=8',
  'probe_read_kernel dst fp-520 size 8': 'EACCES invalid write to stack R1 off=-520 size=8',
  'get_current_comm buf fp-520 size 8': 'EACCES invalid write to stack R1 off=-520 size=8',
  'ringbuf_output data fp-520 size 16': 'EACCES invalid read from stack R2 off=-520 size=16',
  'probe_read_kernel dst fp-520 size 16': 'EACCES invalid write to stack R1 off=-520 size=16',
  'get_current_comm buf fp-520 size 16': 'EACCES invalid write to stack R1 off=-520 size=16',
  'map_lookup_elem key fp-520': 'EACCES invalid read from stack R2 off=-520 size=4',
  'ringbuf_output data fp-513 size 0': 'EACCES invalid read from stack R2 off=-513 size=0',
  'probe_read_kernel dst fp-513 size 0': 'EACCES invalid write to stack R1 off=-513 size=0',
  'get_current_comm buf fp-513 size 0': 'EACCES R2 invalid zero-sized read: u64=[0,0]',
  'ringbuf_output data fp-513 size 1': 'EACCES invalid read from stack R2 off=-513 size=1',
  'probe_read_kernel dst fp-513 size 1': 'EACCES invalid write to stack R1 off=-513 size=1',
  'get_current_comm buf fp-513 size 1': 'EACCES invalid write to stack R1 off=-513 size=1',
  'ringbuf_output data fp-513 size 8': 'EACCES invalid read from stack R2 off=-513 size=8',
  'probe_read_kernel dst fp-513 size 8': 'EACCES invalid write to stack R1 off=-513 size=8',
  'get_current_comm buf fp-513 size 8': 'EACCES invalid write to stack R1 off=-513 size=8',
  'ringbuf_output data fp-513 size 16': 'EACCES invalid read from stack R2 off=-513 size=16',
  'probe_read_kernel dst fp-513 size 16': 'EACCES invalid write to stack R1 off=-513 size=16',
  'get_current_comm buf fp-513 size 16': 'EACCES invalid write to stack R1 off=-513 size=16',
  'map_lookup_elem key fp-513': 'EACCES invalid read from stack R2 off=-513 size=4',
  'ringbuf_output data fp-512 size 0': 'ok',
  'probe_read_kernel dst fp-512 size 0': 'ok',
  'get_current_comm buf fp-512 size 0': 'EACCES R2 invalid zero-sized read: u64=[0,0]',
  'ringbuf_output data fp-512 size 1': 'ok',
  'probe_read_kernel dst fp-512 size 1': 'ok',
  'get_current_comm buf fp-512 size 1': 'ok',
  'ringbuf_output data fp-512 size 8': 'ok',
  'probe_read_kernel dst fp-512 size 8': 'ok',
  'get_current_comm buf fp-512 size 8': 'ok',
  'ringbuf_output data fp-512 size 16': 'ok',
  'probe_read_kernel dst fp-512 size 16': 'ok',
  'get_current_comm buf fp-512 size 16': 'ok',
  'map_lookup_elem key fp-512': 'ok',
  'ringbuf_output data fp-17 size 0': 'ok',
  'probe_read_kernel dst fp-17 size 0': 'ok',
  'get_current_comm buf fp-17 size 0': 'EACCES R2 invalid zero-sized read: u64=[0,0]',
  'ringbuf_output data fp-17 size 1': 'ok',
  'probe_read_kernel dst fp-17 size 1': 'ok',
  'get_current_comm buf fp-17 size 1': 'ok',
  'ringbuf_output data fp-17 size 8': 'ok',
  'probe_read_kernel dst fp-17 size 8': 'ok',
  'get_current_comm buf fp-17 size 8': 'ok',
  'ringbuf_output data fp-17 size 16': 'ok',
  'probe_read_kernel dst fp-17 size 16': 'ok',
  'get_current_comm buf fp-17 size 16': 'ok',
  'map_lookup_elem key fp-17': 'ok',
  'ringbuf_output data fp-16 size 0': 'ok',
  'probe_read_kernel dst fp-16 size 0': 'ok',
  'get_current_comm buf fp-16 size 0': 'EACCES R2 invalid zero-sized read: u64=[0,0]',
  'ringbuf_output data fp-16 size 1': 'ok',
  'probe_read_kernel dst fp-16 size 1': 'ok',
  'get_current_comm buf fp-16 size 1': 'ok',
  'ringbuf_output data fp-16 size 8': 'ok',
  'probe_read_kernel dst fp-16 size 8': 'ok',
  'get_current_comm buf fp-16 size 8': 'ok',
  'ringbuf_output data fp-16 size 16': 'ok',
  'probe_read_kernel dst fp-16 size 16': 'ok',
  'get_current_comm buf fp-16 size 16': 'ok',
  'map_lookup_elem key fp-16': 'ok',
  'ringbuf_output data fp-9 size 0': 'ok',
  'probe_read_kernel dst fp-9 size 0': 'ok',
  'get_current_comm buf fp-9 size 0': 'EACCES R2 invalid zero-sized read: u64=[0,0]',
  'ringbuf_output data fp-9 size 1': 'ok',
  'probe_read_kernel dst fp-9 size 1': 'ok',
  'get_current_comm buf fp-9 size 1': 'ok',
  'ringbuf_output data fp-9 size 8': 'ok',
  'probe_read_kernel dst fp-9 size 8': 'ok',
  'get_current_comm buf fp-9 size 8': 'ok',
  'ringbuf_output data fp-9 size 16': 'EINVAL invalid read from stack R2 off=-9 size=16',
  'probe_read_kernel dst fp-9 size 16': 'EINVAL invalid write to stack R1 off=-9 size=16',
  'get_current_comm buf fp-9 size 16': 'EINVAL invalid write to stack R1 off=-9 size=16',
  'map_lookup_elem key fp-9': 'ok',
  'ringbuf_output data fp-8 size 0': 'ok',
  'probe_read_kernel dst fp-8 size 0': 'ok',
  'get_current_comm buf fp-8 size 0': 'EACCES R2 invalid zero-sized read: u64=[0,0]',
  'ringbuf_output data fp-8 size 1': 'ok',
  'probe_read_kernel dst fp-8 size 1': 'ok',
  'get_current_comm buf fp-8 size 1': 'ok',
  'ringbuf_output data fp-8 size 8': 'ok',
  'probe_read_kernel dst fp-8 size 8': 'ok',
  'get_current_comm buf fp-8 size 8': 'ok',
  'ringbuf_output data fp-8 size 16': 'EINVAL invalid read from stack R2 off=-8 size=16',
  'probe_read_kernel dst fp-8 size 16': 'EINVAL invalid write to stack R1 off=-8 size=16',
  'get_current_comm buf fp-8 size 16': 'EINVAL invalid write to stack R1 off=-8 size=16',
  'map_lookup_elem key fp-8': 'ok',
  'ringbuf_output data fp-1 size 0': 'ok',
  'probe_read_kernel dst fp-1 size 0': 'ok',
  'get_current_comm buf fp-1 size 0': 'EACCES R2 invalid zero-sized read: u64=[0,0]',
  'ringbuf_output data fp-1 size 1': 'ok',
  'probe_read_kernel dst fp-1 size 1': 'ok',
  'get_current_comm buf fp-1 size 1': 'ok',
  'ringbuf_output data fp-1 size 8': 'EINVAL invalid read from stack R2 off=-1 size=8',
  'probe_read_kernel dst fp-1 size 8': 'EINVAL invalid write to stack R1 off=-1 size=8',
  'get_current_comm buf fp-1 size 8': 'EINVAL invalid write to stack R1 off=-1 size=8',
  'ringbuf_output data fp-1 size 16': 'EINVAL invalid read from stack R2 off=-1 size=16',
  'probe_read_kernel dst fp-1 size 16': 'EINVAL invalid write to stack R1 off=-1 size=16',
  'get_current_comm buf fp-1 size 16': 'EINVAL invalid write to stack R1 off=-1 size=16',
  'map_lookup_elem key fp-1': 'EINVAL invalid read from stack R2 off=-1 size=4',
  'ringbuf_output data fp0 size 0': 'EACCES invalid read from stack R2 off=0 size=0',
  'probe_read_kernel dst fp0 size 0': 'EACCES invalid write to stack R1 off=0 size=0',
  'get_current_comm buf fp0 size 0': 'EACCES R2 invalid zero-sized read: u64=[0,0]',
  'ringbuf_output data fp0 size 1': 'EACCES invalid read from stack R2 off=0 size=1',
  'probe_read_kernel dst fp0 size 1': 'EACCES invalid write to stack R1 off=0 size=1',
  'get_current_comm buf fp0 size 1': 'EACCES invalid write to stack R1 off=0 size=1',
  'ringbuf_output data fp0 size 8': 'EACCES invalid read from stack R2 off=0 size=8',
  'probe_read_kernel dst fp0 size 8': 'EACCES invalid write to stack R1 off=0 size=8',
  'get_current_comm buf fp0 size 8': 'EACCES invalid write to stack R1 off=0 size=8',
  'ringbuf_output data fp0 size 16': 'EACCES invalid read from stack R2 off=0 size=16',
  'probe_read_kernel dst fp0 size 16': 'EACCES invalid write to stack R1 off=0 size=16',
  'get_current_comm buf fp0 size 16': 'EACCES invalid write to stack R1 off=0 size=16',
  'map_lookup_elem key fp0': 'EACCES invalid read from stack R2 off=0 size=4',
  'ringbuf_output data fp8 size 0': 'EACCES invalid read from stack R2 off=8 size=0',
  'probe_read_kernel dst fp8 size 0': 'EACCES invalid write to stack R1 off=8 size=0',
  'get_current_comm buf fp8 size 0': 'EACCES R2 invalid zero-sized read: u64=[0,0]',
  'ringbuf_output data fp8 size 1': 'EACCES invalid read from stack R2 off=8 size=1',
  'probe_read_kernel dst fp8 size 1': 'EACCES invalid write to stack R1 off=8 size=1',
  'get_current_comm buf fp8 size 1': 'EACCES invalid write to stack R1 off=8 size=1',
  'ringbuf_output data fp8 size 8': 'EACCES invalid read from stack R2 off=8 size=8',
  'probe_read_kernel dst fp8 size 8': 'EACCES invalid write to stack R1 off=8 size=8',
  'get_current_comm buf fp8 size 8': 'EACCES invalid write to stack R1 off=8 size=8',
  'ringbuf_output data fp8 size 16': 'EACCES invalid read from stack R2 off=8 size=16',
  'probe_read_kernel dst fp8 size 16': 'EACCES invalid write to stack R1 off=8 size=16',
  'get_current_comm buf fp8 size 16': 'EACCES invalid write to stack R1 off=8 size=16',
  'map_lookup_elem key fp8': 'EACCES invalid read from stack R2 off=8 size=4',
};

const CLASSES: [string, HelperVariant[]][] = [
  ['the map types each map-taking helper accepts (check_map_func_compatibility)', mapFuncVariants()],
  ['helper memory arguments on the stack: offsets × sizes, zero included, read and write', stackArgVariants()],
];

describe("helper-call classes the fuzzer found, with the kernel's answers recorded", () => {
  it('has a recorded answer for every variant', () => {
    const names = CLASSES.flatMap(([, vs]) => vs.map((v) => v.name));
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => !(n in KERNEL))).toEqual([]);
  });

  for (const [title, vs] of CLASSES) {
    it(`answers as Linux 6.18 does: ${title}`, () => {
      const wrong = vs.filter((v) => modelAnswer(v) !== KERNEL[v.name]).map((v) => `${v.name}: ${modelAnswer(v)}`);
      expect(wrong).toEqual([]);
    });
  }
});

const { oracle, skip } = kernelForTests('helper-call classes against the running kernel');

describe.skipIf(skip)('helper-call classes against the running kernel (BPF_PROG_LOAD)', () => {
  for (const [title, vs] of CLASSES) {
    it(`gives the kernel's verdict, errno and first error line: ${title}`, () => {
      const res = oracle.batch(
        vs.map((v) => ({
          prog: v.asm,
          opts: { prog_type: 'raw_tracepoint', log_level: 1, maps: { 1: { ...v.map } } },
        })),
      );
      const wrong: string[] = [];
      vs.forEach((v, i) => {
        const k = res[i]!.verdict;
        if (k.refused !== undefined) return; // kept from the kernel by the oracle's allow-list: checked offline
        const want = answerOf({ ok: k.ok, errno: k.errno_name, first: k.first_error });
        if (want !== KERNEL[v.name]) wrong.push(`${v.name}: kernel ${want}, recorded ${KERNEL[v.name]}`);
        if (modelAnswer(v) !== want) wrong.push(`${v.name}: kernel ${want}, model ${modelAnswer(v)}`);
      });
      expect(wrong).toEqual([]);
    });
  }
});

/**
 * The BPF engine's invariant checker (the map and program tables of kernel/bpf/syscall.c: map_idr, prog_idr):
 * every map and program is filed under its own id, below the next id to hand out; every region of the address
 * space belongs to a live map (a program's stack and context are mapped only while it runs); every map's
 * bookkeeping stays within max_entries.
 */
import type { BpfEngine } from './index';
import { BpfMap, HashMap, RingbufMap } from './maps';

export function checkBpfInvariants(bpf: BpfEngine): string[] {
  const errs: string[] = [];
  const ids = bpf as unknown as { nextMapId: number; nextProgId: number };
  const owners = new Set<unknown>();
  for (const [id, map] of bpf.maps) {
    if (map.id !== id) errs.push(`map table: map ${map.id} filed under id ${id}`);
    if (id < 1 || id >= ids.nextMapId) errs.push(`map table: id ${id} was never handed out (next ${ids.nextMapId})`);
    owners.add(map);
    for (const r of [map.object, map.values]) {
      if (r.id <= 0 || bpf.space.regions[r.id] !== r) errs.push(`map ${id}: region ${r.name} is not mapped`);
    }
    if (map instanceof HashMap) {
      const n = (map as unknown as { table: Map<unknown, number> }).table.size;
      if (n > map.max_entries) errs.push(`map ${id}: ${n} elements in a map of max_entries ${map.max_entries}`);
    }
    if (map instanceof RingbufMap) {
      const r = map as unknown as { producer_pos: number; consumer_pos: number };
      if (r.consumer_pos > r.producer_pos || r.producer_pos - r.consumer_pos > map.max_entries) {
        errs.push(
          `ringbuf ${id}: consumer ${r.consumer_pos}, producer ${r.producer_pos} outside a ${map.max_entries}-byte ring`,
        );
      }
    }
  }
  for (const [id, prog] of bpf.progs) {
    if (prog.id !== id) errs.push(`prog table: program ${prog.id} filed under id ${id}`);
    if (id < 1 || id >= ids.nextProgId) errs.push(`prog table: id ${id} was never handed out (next ${ids.nextProgId})`);
  }
  bpf.space.regions.forEach((r, i) => {
    if (i === 0 || (r.size === 0 && r.name === 'none')) return;
    if (r.id !== i) errs.push(`address space: region ${r.name} in slot ${i} says id ${r.id}`);
    if (!(r.owner instanceof BpfMap) || !owners.has(r.owner))
      errs.push(`address space: region ${r.name} (slot ${i}) belongs to no live map`);
  });
  return errs;
}

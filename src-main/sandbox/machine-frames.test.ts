import { describe, expect, it } from 'vitest';
import { MachineStateSchema, RunRequestSchema, type MachineState } from '../contract';
import { boot } from '../engines/kernel';
import { createMm } from '../engines/mm/index';
import { FRAME_KIND, frameCode, frameRuns } from '../engines/mm';
import { FrameDecodeError, FrameMap, unpackCode } from '../../src-renderer/panels/memory-frames';
import { machineState } from './machine-state';
import { runInSandbox } from './sandbox';

const env = { seed: 1, log: () => {} };

describe('machine state: frames for the memory panel', () => {
  it('only a final state carries frames; it validates against the contract and decodes frame by frame', () => {
    const k = boot({ memory: '64M' }, env);
    expect(k.mm.alloc_pages('GFP_KERNEL|GFP_DMA', 3)).toEqual({ pfn: 0, order: 3 }); // ZONE_DMA starts at pfn 0
    const secret = k.mm.memfd_secret().fault(0);
    expect(machineState(k, 0).mm.frames).toBeUndefined();
    const s = MachineStateSchema.parse(JSON.parse(JSON.stringify(machineState(k, 0, { final: true }))));
    const map = FrameMap.decode(s.mm.frames!, s.mm.nframes, s.mm.pages_per_block);
    expect(map.coveredBlocks).toBe(32);
    // The order-3 block at pfn 0: eight allocated frames of an Unmovable pageblock, still under its 2M leaf (the
    // secret page came from DMA32, so its split is at pfn 4096's leaf).
    for (let pfn = 0; pfn < 8; pfn++)
      expect(unpackCode(map.codeAt(pfn))).toEqual({ kind: FRAME_KIND.ALLOC, order: 3, unmapped: false, level: 2 });
    expect(secret.pfn).toBeGreaterThanOrEqual(4096);
    expect(s.mm.migratetypes[s.mm.migratetype[0]!]).toBe('Unmovable');
    // The secret page: allocated, out of the direct map, under the 4K PTEs its removal split the 2M leaf into.
    expect(unpackCode(map.codeAt(secret.pfn))).toEqual({
      kind: FRAME_KIND.SECRETMEM,
      order: 0,
      unmapped: true,
      level: 1,
    });
    expect(unpackCode(map.codeAt(600))).toEqual({ kind: FRAME_KIND.FREE, order: 9, unmapped: false, level: 2 });
    expect(map.codeAt(64 * 256)).toBe(-1); // beyond the machine
    // fill() agrees with codeAt() over a window crossing pageblock 0's end.
    const out = new Int32Array(40);
    map.fill(500, 40, out);
    expect(Array.from(out)).toEqual(Array.from({ length: 40 }, (_, i) => map.codeAt(500 + i)));
  });

  it('decodes a machine whose last pageblock is partial (1G + 2M + 16 frames)', () => {
    const mm = createMm({ memory: 1024 * 1024 * 1024 + 2 * 1024 * 1024 + 16 * 4096 });
    const map = FrameMap.decode(frameRuns(mm), mm.nframes, 512);
    expect(map.coveredBlocks).toBe(514);
    // the top 9 x 512 frames are the memmap; the last managed frame ends an order-4 block inside the 1G leaf
    expect(unpackCode(map.codeAt(mm.nframes - 1))).toEqual({
      kind: FRAME_KIND.RESERVED,
      order: 0,
      unmapped: false,
      level: 1,
    });
    expect(unpackCode(map.codeAt(mm.managed_pages - 1))).toEqual({
      kind: FRAME_KIND.FREE,
      order: 4,
      unmapped: false,
      level: 3,
    });
    expect(map.codeAt(mm.nframes)).toBe(-1);
    expect(unpackCode(map.codeAt(1000))).toEqual({ kind: FRAME_KIND.FREE, order: 10, unmapped: false, level: 3 });
  });

  it('a capped encoding leaves pageblocks out: they read -1', () => {
    const wire = {
      ranges: [1, 2],
      runs: [
        frameCode(FRAME_KIND.FREE, 9, false, 2),
        512,
        frameCode(FRAME_KIND.ALLOC, 0, false, 1),
        1,
        frameCode(FRAME_KIND.FREE, 0, false, 1),
        511,
      ],
      total_runs: 9,
      cap: 3,
    };
    const map = FrameMap.decode(wire, 2048, 512);
    expect(Array.from(map.covered)).toEqual([0, 1, 1, 0]);
    expect(map.codeAt(511)).toBe(-1);
    expect(map.codeAt(512)).toBe(frameCode(FRAME_KIND.FREE, 9, false, 2));
    expect(map.codeAt(1024)).toBe(frameCode(FRAME_KIND.ALLOC, 0, false, 1));
    expect(map.codeAt(1025)).toBe(frameCode(FRAME_KIND.FREE, 0, false, 1));
    expect(map.codeAt(1536)).toBe(-1);
    const out = new Int32Array(4);
    map.fill(510, 4, out);
    expect(Array.from(out)).toEqual([-1, -1, 1049, 1049]);
  });

  it('refuses malformed frames: a run crossing its range, short runs, overlapping ranges', () => {
    const c = frameCode(FRAME_KIND.FREE, 9, false, 2);
    expect(() => FrameMap.decode({ ranges: [0, 1], runs: [c, 513], total_runs: 1, cap: 9 }, 1024, 512)).toThrow(
      FrameDecodeError,
    );
    expect(() => FrameMap.decode({ ranges: [0, 2], runs: [c, 512], total_runs: 1, cap: 9 }, 1024, 512)).toThrow(
      /runs end at pfn 512/,
    );
    expect(() =>
      FrameMap.decode({ ranges: [1, 1, 0, 1], runs: [c, 512, c, 512], total_runs: 2, cap: 9 }, 1024, 512),
    ).toThrow(/bad pageblock range/);
    expect(() => FrameMap.decode({ ranges: [0, 1], runs: [c, 512, c, 1], total_runs: 2, cap: 9 }, 1024, 512)).toThrow(
      /beyond the ranges/,
    );
  });

  it('a run sends frames with its final machine state only', async () => {
    const states: MachineState[] = [];
    const outcome = await runInSandbox(
      RunRequestSchema.parse({
        code: "const k = boot({ memory: '64M' }); k.mm.alloc_pages('GFP_KERNEL|GFP_DMA', 3);",
        filename: 't.js',
      }),
      { output: () => {}, progress: () => {}, machine: (s) => states.push(s) },
    );
    expect(outcome.ok).toBe(true);
    expect(states.length).toBeGreaterThan(0);
    expect(states.slice(0, -1).every((s) => s.mm.frames === undefined)).toBe(true);
    const last = states[states.length - 1]!.mm.frames!;
    expect(last.ranges).toEqual([0, 32]);
    expect(last.runs.slice(0, 2)).toEqual([frameCode(FRAME_KIND.ALLOC, 3, false, 2), 8]);
  });
});

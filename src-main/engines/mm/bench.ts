import { createMm } from './index';
import { frameRuns } from './frames';

const now = (): number => globalThis.performance.now();

/** Memory-engine benchmarks (issue 3): allocator throughput, 64G boot time, bytes per frame, snapshot cost. */
export function bench(): Record<string, { value: number; unit: string }> {
  // alloc/free pairs, order 0, GFP_KERNEL, 16G: served by the per-cpu lists, as in the kernel
  const mm16 = createMm({ memory: '16G' });
  for (let i = 0; i < 300000; i++) mm16.__free_pages(mm16.alloc_pages('GFP_KERNEL', 0)!); // warm-up
  // Best of five 0.4 s windows (the machine is shared; the best window is the least disturbed one).
  let pairsPerS = 0;
  for (let w = 0; w < 5; w++) {
    let pairs = 0;
    const t0 = now();
    let elapsed = 0;
    while (elapsed < 400) {
      for (let i = 0; i < 100000; i++) {
        const p = mm16.alloc_pages('GFP_KERNEL', 0)!;
        mm16.__free_pages(p);
      }
      pairs += 100000;
      elapsed = now() - t0;
    }
    pairsPerS = Math.max(pairsPerS, (pairs / elapsed) * 1000);
  }

  // Boot at 64G (median of 3).
  const boots: number[] = [];
  let mm64 = createMm({ memory: '64G' });
  for (let i = 0; i < 3; i++) {
    const t = now();
    mm64 = createMm({ memory: '64G' });
    boots.push(now() - t);
  }
  boots.sort((a, b) => a - b);
  // Per frame of memory; the memmap's frames (1/64) have no frame word, so per managed frame is also printed.
  const bytesPerFrame = mm64.footprintBytes() / mm64.nframes;
  const bytesPerManagedFrame = mm64.footprintBytes() / mm64.managed_pages;

  // Snapshots at 64G after some fragmentation (mean of 20).
  const churn = mm64.workloads.churn({ gfp: 'GFP_KERNEL', live: 20000, seed: 1 });
  churn.run(40000);
  mm64.workloads.moduleLoadUnload({ modules: 20 });
  const ts = now();
  for (let i = 0; i < 20; i++) mm64.snapshot();
  const snapMs = (now() - ts) / 20;

  // Frame runs of the final machine state at 64G after the same churn (median of 3), and their JSON size.
  const frameTimes: number[] = [];
  let runs = frameRuns(mm64);
  for (let i = 0; i < 3; i++) {
    const t = now();
    runs = frameRuns(mm64);
    frameTimes.push(now() - t);
  }
  frameTimes.sort((a, b) => a - b);

  return {
    'mm.alloc_free_pairs_per_s': { value: Math.round(pairsPerS), unit: 'pairs/s' },
    'mm.boot_64g_ms': { value: Math.round(boots[1]! * 10) / 10, unit: 'ms' },
    'mm.bytes_per_frame_64g': { value: Math.round(bytesPerFrame * 1000) / 1000, unit: 'B/frame' },
    'mm.bytes_per_managed_frame_64g': { value: Math.round(bytesPerManagedFrame * 1000) / 1000, unit: 'B/frame' },
    'mm.snapshot_64g_ms': { value: Math.round(snapMs * 100) / 100, unit: 'ms' },
    'mm.frame_runs_64g_ms': { value: Math.round(frameTimes[1]! * 10) / 10, unit: 'ms' },
    'mm.frame_runs_64g_runs': { value: runs.total_runs, unit: 'runs' },
    'mm.frame_runs_64g_json_kb': { value: Math.round(JSON.stringify(runs).length / 1024), unit: 'KiB' },
  };
}

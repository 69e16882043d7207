/** The memory panel's chart of the direct-map split counters (vmstat direct_map_level2/3_splits) over a run. */
import type uPlot from 'uplot';
import type { MachineState } from '../../src-main/contract';
import { renderChart } from '../charts';
import { h } from '../dom';

export class SplitsChart {
  readonly box = h('div', { class: 'mm-chart', 'data-testid': 'mm-splits-chart' });
  width = 0;
  private plot: uPlot | undefined;
  /** Split counters over virtual time (ms), per machine of the current run. */
  private history = new Map<number, { t: number[]; seq: number[]; l2: number[]; l3: number[] }>();

  /** Forgets the split history (a new run starts). */
  reset(): void {
    this.history.clear();
    this.plot?.destroy();
    this.plot = undefined;
  }

  /** Records a machine's counters for the splits chart (every machine event, whichever machine is shown). */
  record(s: MachineState): void {
    let hst = this.history.get(s.index);
    if (!hst) this.history.set(s.index, (hst = { t: [], seq: [], l2: [], l3: [] }));
    const t = s.now_ns / 1e6;
    const l2 = s.mm.vmstat.direct_map_level2_splits ?? 0;
    const l3 = s.mm.vmstat.direct_map_level3_splits ?? 0;
    const last = hst.t.length - 1;
    if (last >= 0 && hst.t[last] === t && hst.l2[last] === l2 && hst.l3[last] === l3) return;
    hst.t.push(t);
    hst.seq.push(hst.seq.length + 1);
    hst.l2.push(l2);
    hst.l3.push(l3);
  }

  /** Draws machine `machine`'s splits over the run. */
  draw(machine: number): void {
    const hst = this.history.get(machine);
    if (!hst) return;
    const width = Math.max(240, this.width || 320);
    if (hst.seq.length < 2) {
      // One state (a run shorter than the sampling period): a line needs two points; say what the one state holds.
      this.plot?.destroy();
      this.plot = undefined;
      this.box.textContent =
        `One state, the run's end: ${hst.l2[0] ?? 0} level2 and ${hst.l3[0] ?? 0} level3 splits. ` +
        'Runs longer than 0.5 s are sampled every 0.5 s, and the splits are drawn over time here.';
      return;
    }
    // Virtual time when the machine's clock moved; else the snapshots in order (the mm engine's operations take
    // no virtual time of their own).
    const timed = hst.t.length > 1 && hst.t[hst.t.length - 1]! > hst.t[0]!;
    const xlabel = timed ? 'virtual ms' : 'snapshot (every 0.5 s of the run)';
    const data: uPlot.AlignedData = [timed ? hst.t : hst.seq, hst.l2, hst.l3];
    if (this.plot && Math.abs(this.plot.width - width) < 2 && this.plot.axes[0]!.label === xlabel) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    this.box.textContent = '';
    this.plot = renderChart(
      this.box,
      {
        name: 'splits',
        kind: 'line',
        xlabel,
        series: [
          { label: 'level2 (2M→4K)', points: [] },
          { label: 'level3 (1G→2M)', points: [] },
        ],
      },
      width,
      170,
      false,
    );
    this.plot.setData(data);
  }
}

/**
 * The ublk panel: each device with its state, flags, data path and target, its queues with the tag board, the
 * driver's counters, and the I/O timeline of the machine's fio runs.
 */
import type { MachineState } from '../../src-main/contract';
import { h, humanBytes } from '../dom';
import { tagBoard } from './ublk-tagboard';
import { UblkTimeline } from './ublk-timeline';

export class UblkPanel {
  private readonly devs = h('div', { class: 'ublk-devs', 'data-testid': 'ublk-devs' });
  private last = '';
  private lastFio = '';
  private readonly timeline = new UblkTimeline();
  private readonly empty = h(
    'div',
    { class: 'empty' },
    'Devices made with k.ublk.add_dev() show here, with their counters.',
  );

  constructor(readonly root: HTMLElement) {
    root.replaceChildren(this.empty, this.devs, this.timeline.root);
    this.timeline.root.hidden = true;
  }

  /** Draws the timeline again in the theme's current colours. */
  redraw(): void {
    this.timeline.draw();
  }

  show(s: MachineState | undefined): void {
    const fio = s?.ublk.fio ?? [];
    const fioSig = JSON.stringify(fio);
    if (fioSig !== this.lastFio) {
      this.lastFio = fioSig;
      this.root.dataset.fio = String(fio.length);
      this.timeline.show(fio);
    }
    const devs = s?.ublk.devs ?? [];
    const sig = JSON.stringify(devs);
    if (sig === this.last) return;
    this.last = sig;
    this.empty.hidden = devs.length > 0;
    this.root.dataset.devs = String(devs.length);
    this.devs.replaceChildren(
      ...devs.map((dev) => {
        const { info, stats } = dev;
        const str = (k: string): string => (info[k] === undefined || info[k] === null ? '—' : String(info[k]));
        const num = (k: string): number => Number(info[k] ?? 0);
        const flags = Array.isArray(info.flag_names) ? (info.flag_names as string[]) : [];
        const state = str('state_name');
        const rows: [string, string][] = [
          ['target', str('target')],
          ['data path', str('data_path')],
          ['queues × depth', `${num('nr_hw_queues')} × ${num('queue_depth')}`],
          ['size', typeof info.dev_size === 'number' ? humanBytes(info.dev_size) : '—'],
          ['max_io_buf_bytes', typeof info.max_io_buf_bytes === 'number' ? humanBytes(info.max_io_buf_bytes) : '—'],
          ['flags', `0x${num('flags').toString(16)}`],
          ['ublksrv_pid', str('ublksrv_pid')],
        ];
        const queues = h(
          'div',
          { class: 'ublk-queues', 'aria-label': 'queues and tags' },
          ...Array.from({ length: Math.min(num('nr_hw_queues'), 16) }, (_, q) =>
            h(
              'div',
              { class: 'ublk-queue' },
              h('span', { class: 'muted' }, `q${q}`),
              h('span', { class: 'muted' }, `${num('queue_depth')} tags`),
            ),
          ),
        );
        return h(
          'section',
          { class: 'ublk-dev', 'data-testid': 'ublk-dev', 'data-dev-id': str('dev_id'), 'data-state': state },
          h(
            'header',
            {},
            h('b', {}, `${str('char_dev')}${info.block_dev ? ' → ' + str('block_dev') : ''}`),
            h('span', { class: `state ${state === 'UBLK_S_DEV_LIVE' ? 'live' : ''}` }, state),
          ),
          h('div', { class: 'kv two' }, ...rows.map(([k, v]) => h('div', {}, h('span', {}, `${k}:`), h('b', {}, v)))),
          h('div', { class: 'chips' }, ...flags.map((f) => h('span', { class: 'chip' }, f))),
          queues,
          tagBoard(dev),
          h(
            'table',
            { class: 'grid', 'data-testid': 'ublk-stats' },
            h('thead', {}, h('tr', {}, h('th', {}, 'counter'), h('th', {}, 'value'))),
            h(
              'tbody',
              {},
              ...Object.entries(stats).map(([k, v]) =>
                h('tr', { 'data-key': k }, h('td', {}, k), h('td', { class: 'num' }, v.toLocaleString('en-US'))),
              ),
            ),
          ),
        );
      }),
    );
  }
}

/**
 * The ublk tag board: one cell per (queue, tag), coloured by the state of its struct ublk_io
 * (drivers/block/ublk_drv.c: UBLK_IO_FLAG_ACTIVE while a FETCH_REQ / COMMIT_AND_FETCH_REQ command waits in the
 * driver for a request; UBLK_IO_FLAG_OWNED_BY_SRV once the request was handed to the server through that command's CQE).
 */
import type { MachineState } from '../../src-main/contract';
import { h } from '../dom';

type Dev = MachineState['ublk']['devs'][number];
type Tag = Dev['queues'][number]['tags'][number];

/** A tag's state for the board, from its ublk_io flags and the request it holds. */
export type TagState =
  | 'unfetched'
  | 'fetched'
  | 'driver'
  | 'server'
  | 'need_get_data'
  | 'canceled'
  | 'batch_prepared'
  | 'batch_fetched'
  | 'batch_committed';

export const TAG_STATES: { state: TagState; label: string; title: string }[] = [
  { state: 'unfetched', label: 'not fetched', title: 'no flags: the server has not issued FETCH_REQ for this tag yet' },
  {
    state: 'fetched',
    label: 'idle (fetch pending)',
    title: 'ACTIVE: a FETCH_REQ / COMMIT_AND_FETCH_REQ waits in the driver for a request',
  },
  { state: 'driver', label: 'in driver', title: 'ACTIVE with a request: the driver is dispatching it to the server' },
  {
    state: 'server',
    label: 'in ublk server',
    title: 'OWNED_BY_SRV: the request was handed to the server, which runs the backend and commits',
  },
  {
    state: 'need_get_data',
    label: 'NEED_GET_DATA',
    title: 'NEED_GET_DATA: the server must send UBLK_IO_NEED_GET_DATA with a buffer for this write',
  },
  { state: 'canceled', label: 'canceled', title: 'CANCELED: the command was cancelled (server exit or queue quiesce)' },
  {
    state: 'batch_prepared',
    label: 'prepared (batch)',
    title: 'UBLK_F_BATCH_IO: ACTIVE since UBLK_U_IO_PREP_IO_CMDS; a FETCH_IO_CMDS will carry its next request',
  },
  {
    state: 'batch_fetched',
    label: 'fetched in a batch',
    title: 'UBLK_F_BATCH_IO: OWNED_BY_SRV, its tag went to the server in a multishot FETCH_IO_CMDS CQE with others',
  },
  {
    state: 'batch_committed',
    label: 'committed in a batch',
    title: 'UBLK_F_BATCH_IO: ACTIVE again after a COMMIT_IO_CMDS that completed several requests at once',
  },
];

/**
 * Classifies a tag by its flags (CANCELED wins, then NEED_GET_DATA, OWNED_BY_SRV, ACTIVE); on a UBLK_F_BATCH_IO
 * device an idle or server-owned tag shows which batch command put it there.
 */
export function tagState(t: Tag): TagState {
  const f = new Set(t.flags);
  if (f.has('CANCELED')) return 'canceled';
  if (f.has('NEED_GET_DATA')) return 'need_get_data';
  if (f.has('OWNED_BY_SRV')) return t.batch === 'fetched' ? 'batch_fetched' : 'server';
  if (f.has('ACTIVE')) {
    if (t.request) return 'driver';
    if (t.batch === 'prepared') return 'batch_prepared';
    if (t.batch === 'committed') return 'batch_committed';
    return 'fetched';
  }
  return 'unfetched';
}

/** The hover text of a tag: queue, tag, flags and the request it holds. */
export function tagTitle(q: number, t: Tag): string {
  const flags = t.flags.length ? t.flags.join('|') : 'none';
  const rq = t.request ? `${t.request.op} sector ${t.request.sector} + ${t.request.nr_sectors}` : 'no request';
  return `q${q} tag ${t.tag} · flags ${flags} · ${rq}${t.batch ? ` · batch: ${t.batch}` : ''}`;
}

/** What the whole board is in: the device state, with user recovery (START_USER_RECOVERY sent) shown apart. */
export type BoardState = 'live' | 'quiesced' | 'recovering' | 'fail_io' | 'dead';

/**
 * The board's state and its explanation. QUIESCED: no server, requests are requeued (parked in 6.18) until
 * END_USER_RECOVERY; recovering: a new server is fetching every tag; FAIL_IO: new I/O fails at once.
 * With UBLK_F_BATCH_IO (after 6.18) the tags show the batch command that last moved them (see tagState).
 */
export function boardState(dev: Dev): { state: BoardState; text: string } {
  const b = dev.board;
  const ready = dev.queues.reduce((a, q) => a + q.nr_io_ready, 0);
  const depth = dev.queues.reduce((a, q) => a + q.tags.length, 0);
  if (b?.recovering)
    return {
      state: 'recovering',
      text: `recovering: START_USER_RECOVERY sent, the new server has fetched ${ready}/${depth} tags (END_USER_RECOVERY waits for all)`,
    };
  switch (b?.state) {
    case 'UBLK_S_DEV_QUIESCED':
      return {
        state: 'quiesced',
        text: 'quiesced: no server; requests wait (requeued) until a new server ends user recovery',
      };
    case 'UBLK_S_DEV_FAIL_IO':
      return {
        state: 'fail_io',
        text: 'fail_io: no server; new I/O fails at once (UBLK_F_USER_RECOVERY_FAIL_IO) until recovery',
      };
    case 'UBLK_S_DEV_DEAD':
      return { state: 'dead', text: 'dead: no disk (not started, or stopped)' };
    default:
      return { state: 'live', text: `live: ${ready}/${depth} tags fetched` };
  }
}

/** The board of one device: its state, a legend and one row of cells per queue. */
export function tagBoard(dev: Dev): HTMLElement {
  const bs = boardState(dev);
  const counts = new Map<TagState, number>();
  let cells = 0;
  const rows = dev.queues.map((q) => {
    const row = h(
      'div',
      {
        class: `ublk-tagrow${q.canceling ? ' canceling' : ''}`,
        'data-q': q.q_id,
        'data-canceling': q.canceling ? '1' : '0',
        title: q.canceling ? "ubq->canceling: this queue's commands are being cancelled" : '',
      },
      h('span', { class: 'ublk-tagq muted' }, `q${q.q_id}${q.canceling ? ' ⊘' : ''}`),
    );
    const grid = h('div', { class: 'ublk-tagcells' });
    for (const t of q.tags) {
      const st = tagState(t);
      counts.set(st, (counts.get(st) ?? 0) + 1);
      const c = document.createElement('span');
      c.className = `ublk-tag st-${st}`;
      c.title = tagTitle(q.q_id, t);
      c.dataset.tag = String(t.tag);
      c.dataset.state = st;
      grid.appendChild(c);
      cells++;
    }
    row.appendChild(grid);
    return row;
  });
  const legend = h(
    'div',
    { class: 'ublk-legend', 'aria-label': 'tag states' },
    ...TAG_STATES.map(({ state, label, title }) =>
      h(
        'span',
        { class: 'ublk-legend-item', title, 'data-state': state },
        h('span', { class: `ublk-tag st-${state}` }),
        `${label} (${counts.get(state) ?? 0})`,
      ),
    ),
  );
  return h(
    'div',
    {
      class: `ublk-tagboard board-${bs.state}`,
      'data-testid': 'ublk-tagboard',
      'data-cells': cells,
      'data-queues': dev.queues.length,
      'data-board-state': bs.state,
      'aria-label': 'tag board: one cell per queue and tag',
    },
    h('div', { class: 'ublk-boardstate muted', 'data-testid': 'ublk-boardstate' }, bs.text),
    legend,
    ...rows,
  );
}

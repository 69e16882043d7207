/**
 * The BPF panel: each program load of the machine (rejected ones too) with its disassembly beside the verifier's
 * walk to step through (./bpf-load-view), and each map with its entries.
 */
import type { BpfLoad, MachineState } from '../../src-main/contract';
import { h } from '../dom';
import { BpfLoadView, type KernelCheckFn } from './bpf-load-view';

type Bpf = MachineState['bpf'];

export class BpfPanel {
  private readonly progs = h('div', { class: 'bpf-progs', 'data-testid': 'bpf-progs' });
  private readonly maps = h('div', { class: 'bpf-maps', 'data-testid': 'bpf-maps' });
  private readonly empty = h(
    'div',
    { class: 'empty' },
    'Programs loaded with k.bpf.prog_load() and maps made with k.bpf.map_create() show here.',
  );
  private readonly open = new Set<string>();
  /** Programs shown before: a load new to the panel opens, whatever the others are (a run sends its loads as they come). */
  private readonly seen = new Set<string>();
  /** One view per load, by its detail (the same object across the states of one run): the step shown survives updates. */
  private readonly views = new WeakMap<object, BpfLoadView>();
  private last = '';
  private lastDetails: (object | undefined)[] = [];

  /** The script line the editor's cursor is on (its instructions are marked), when the editor shows the run's file. */
  private cursorLine: number | undefined;
  private shownViews: BpfLoadView[] = [];

  constructor(
    readonly root: HTMLElement,
    private readonly kernelCheck: KernelCheckFn,
    /** Shows a script line in the editor (a click on an instruction assembled from it). */
    private readonly toScriptLine?: (line: number) => void,
  ) {
    root.replaceChildren(this.empty, h('h4', {}, 'Programs'), this.progs, h('h4', {}, 'Maps'), this.maps);
  }

  private viewOf(load: BpfLoad, prog: Bpf['progs'][number] | undefined): BpfLoadView {
    const key = load.detail;
    const old = key ? this.views.get(key) : undefined;
    if (old) return old;
    const v = new BpfLoadView(load, load.detail, prog, this.kernelCheck, this.toScriptLine);
    if (key) this.views.set(key, v);
    return v;
  }

  /** Marks the instructions assembled from a script line (the editor's cursor line), or none. */
  markScriptLine(line: number | undefined): void {
    this.cursorLine = line;
    for (const v of this.shownViews) v.markScriptLine(line);
  }

  show(s: MachineState | undefined): void {
    const bpf: Bpf = s?.bpf ?? { progs: [], maps: [], loads: [] };
    // Machine events come twice a second: rebuild only what changed (the loads' details are compared by identity).
    const sig = JSON.stringify(bpf, (k, v: unknown) => (k === 'detail' ? undefined : v));
    const details = bpf.loads.map((l) => l.detail);
    if (
      sig === this.last &&
      details.length === this.lastDetails.length &&
      details.every((d, i) => d === this.lastDetails[i])
    )
      return;
    this.last = sig;
    this.lastDetails = details;
    this.empty.hidden = bpf.progs.length + bpf.maps.length + bpf.loads.length > 0;
    this.root.dataset.progs = String(bpf.progs.length);
    this.root.dataset.maps = String(bpf.maps.length);
    this.root.dataset.loads = String(bpf.loads.length);
    // Keep which programs the user collapsed across updates.
    for (const d of this.progs.querySelectorAll<HTMLDetailsElement>(':scope > details')) {
      if (d.open) this.open.add(d.dataset.key!);
      else this.open.delete(d.dataset.key!);
      this.seen.add(d.dataset.key!);
    }
    const byId = new Map(bpf.progs.map((p) => [p.id, p]));
    const listed = new Set(bpf.loads.map((l) => l.prog_id));
    // Programs whose load left the machine's history (it keeps the latest 32) show their listing alone.
    const older = bpf.progs.filter((p) => !listed.has(p.id)).map((p) => this.progEl(p));
    this.shownViews = [];
    const loads = bpf.loads.map((l) => {
      const v = this.viewOf(l, l.prog_id !== undefined ? byId.get(l.prog_id) : undefined);
      this.shownViews.push(v);
      v.markScriptLine(this.cursorLine);
      const el = v.el;
      el.open = !this.open.size || !this.seen.has(el.dataset.key!) || this.open.has(el.dataset.key!);
      return el;
    });
    this.progs.replaceChildren(
      ...(older.length + loads.length ? [] : [h('div', { class: 'muted' }, 'none loaded')]),
      ...older,
      ...loads,
    );
    this.maps.replaceChildren(
      ...(bpf.maps.length ? [] : [h('div', { class: 'muted' }, 'none created')]),
      ...bpf.maps.map((m) =>
        h(
          'div',
          { class: 'bpf-map', 'data-testid': 'bpf-map', 'data-name': m.name },
          h(
            'div',
            {},
            h('b', {}, `${m.id}: ${m.name || '(no name)'}`),
            ` ${m.map_type} · key ${m.key_size} B · value ${m.value_size} B · max_entries ${m.max_entries}`,
          ),
          m.map_type === 'BPF_MAP_TYPE_RINGBUF'
            ? h('div', { class: 'muted' }, 'a ring buffer: its records go to the console')
            : h(
                'table',
                { class: 'grid mono' },
                h('thead', {}, h('tr', {}, h('th', {}, 'key'), h('th', {}, 'value'), h('th', {}, 'value (u64 le)'))),
                h(
                  'tbody',
                  {},
                  ...m.entries.map(([k, v]) => h('tr', {}, h('td', {}, k), h('td', {}, v), h('td', {}, leU64(v)))),
                  m.entries.length >= 64
                    ? h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'first 64 entries shown'))
                    : null,
                ),
              ),
        ),
      ),
    );
  }

  private progEl(p: Bpf['progs'][number]): HTMLElement {
    const key = `prog-${p.id}`;
    const lines = p.disasm.replace(/\n$/, '').split('\n');
    return h(
      'details',
      { 'data-key': key, 'data-testid': 'bpf-prog', 'data-name': p.name, open: !this.open.size || this.open.has(key) },
      h(
        'summary',
        {},
        h('b', {}, `${p.id}: ${p.name || '(no name)'}`),
        ` ${p.prog_type} · ${p.insn_cnt} insns · ${p.jited ? 'JIT' : 'interpreter'}`,
      ),
      h(
        'div',
        { class: 'bpf-cols' },
        h(
          'pre',
          { class: 'mono disasm', 'data-testid': 'bpf-disasm' },
          ...lines.map((l) => h('div', { class: 'insn' }, l)),
        ),
        h(
          'pre',
          { class: 'mono verifier-log', 'data-testid': 'bpf-verifier-log' },
          p.verifier_log ?? 'Loaded without the verifier (verify: false).',
        ),
      ),
    );
  }
}

/** The first (up to) 8 bytes of a hex string read as a little-endian unsigned integer. */
function leU64(hex: string): string {
  const bytes = hex.slice(0, 16).match(/../g) ?? [];
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(parseInt(bytes[i]!, 16));
  return v.toString();
}

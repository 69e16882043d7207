/** The BPF panel: each loaded program with its disassembly (verifier-log style), and each map with its entries. */
import type { MachineState } from '../../src-main/contract';
import { h } from '../dom';

type Bpf = MachineState['bpf'];

export class BpfPanel {
  private readonly progs = h('div', { class: 'bpf-progs', 'data-testid': 'bpf-progs' });
  private readonly maps = h('div', { class: 'bpf-maps', 'data-testid': 'bpf-maps' });
  private readonly empty = h('div', { class: 'empty' }, 'Programs loaded with k.bpf.prog_load() and maps made with k.bpf.map_create() show here.');
  private readonly open = new Set<string>();
  private last = '';

  constructor(readonly root: HTMLElement) {
    root.replaceChildren(
      this.empty,
      h('h4', {}, 'Programs'),
      this.progs,
      h('h4', {}, 'Maps'),
      this.maps,
    );
  }

  show(s: MachineState | undefined): void {
    const bpf: Bpf = s?.bpf ?? { progs: [], maps: [], loads: [] };
    // Machine events come twice a second: rebuild only what changed.
    const sig = JSON.stringify(bpf);
    if (sig === this.last) return;
    this.last = sig;
    this.empty.hidden = bpf.progs.length + bpf.maps.length > 0;
    this.root.dataset.progs = String(bpf.progs.length);
    this.root.dataset.maps = String(bpf.maps.length);
    // Keep which programs the user collapsed across updates.
    for (const d of this.progs.querySelectorAll<HTMLDetailsElement>('details')) {
      if (d.open) this.open.add(d.dataset.key!);
      else this.open.delete(d.dataset.key!);
    }
    this.progs.replaceChildren(
      ...(bpf.progs.length ? [] : [h('div', { class: 'muted' }, 'none loaded')]),
      ...bpf.progs.map((p) => {
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
            h('pre', { class: 'mono disasm', 'data-testid': 'bpf-disasm' }, ...lines.map((l) => h('div', { class: 'insn' }, l))),
            h(
              'div',
              { class: 'verifier-log muted', 'data-testid': 'bpf-verifier-log' },
              'Verifier log: this build loads programs without the verifier (verify: false), so there is no log to step through yet.',
            ),
          ),
        );
      }),
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
                  m.entries.length >= 64 ? h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'first 64 entries shown')) : null,
                ),
              ),
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

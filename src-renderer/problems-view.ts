/**
 * The Problems list: the current file's diagnostics, as the editor marks them (TypeScript's, the C compiler's,
 * a run's error at its line), most severe first. A click puts the cursor on the problem.
 */
import { h } from './dom';
import { monaco } from './editor';

/** A list longer than this says how many more there are (the editor still marks every one). */
const MAX_ROWS = 1000;

const SEVERITY: Record<number, { icon: string; name: string }> = {
  [monaco.MarkerSeverity.Error]: { icon: '✕', name: 'error' },
  [monaco.MarkerSeverity.Warning]: { icon: '▲', name: 'warning' },
  [monaco.MarkerSeverity.Info]: { icon: 'i', name: 'info' },
};

/**
 * Markers as the list shows them: errors first, then by position. Hints (faded code such as an unused name)
 * stay in the editor only, as in VS Code's Problems view.
 */
export function sortMarkers(markers: readonly monaco.editor.IMarker[]): monaco.editor.IMarker[] {
  return markers
    .filter((m) => m.severity !== monaco.MarkerSeverity.Hint)
    .sort((a, b) => b.severity - a.severity || a.startLineNumber - b.startLineNumber || a.startColumn - b.startColumn);
}

export class ProblemsView {
  private readonly list = h('ul', { class: 'problems', 'data-testid': 'problems-list', 'aria-label': 'problems' });
  private readonly empty = h('div', { class: 'empty', 'data-testid': 'problems-empty' });

  constructor(
    readonly root: HTMLElement,
    private readonly editor: monaco.editor.IStandaloneCodeEditor,
    /** The count of errors and warnings, for the tab's badge. */
    private readonly onCount: (errors: number, warnings: number) => void,
  ) {
    root.replaceChildren(this.empty, this.list);
    monaco.editor.onDidChangeMarkers((uris) => {
      const uri = this.editor.getModel()?.uri.toString();
      if (uri && uris.some((u) => u.toString() === uri)) this.render();
    });
    editor.onDidChangeModel(() => this.render());
    this.render();
  }

  render(): void {
    const model = this.editor.getModel();
    const markers = model ? sortMarkers(monaco.editor.getModelMarkers({ resource: model.uri })) : [];
    const errors = markers.filter((m) => m.severity === monaco.MarkerSeverity.Error).length;
    const warnings = markers.filter((m) => m.severity === monaco.MarkerSeverity.Warning).length;
    this.onCount(errors, warnings);
    this.root.dataset.count = String(markers.length);
    const file = model ? model.uri.path.replace(/^\/workspace\//, '') : '';
    this.empty.textContent = model ? `No problems in ${file}.` : 'No file is open.';
    this.empty.hidden = markers.length > 0;
    const rows = markers.slice(0, MAX_ROWS).map((m) => this.row(m));
    if (markers.length > MAX_ROWS)
      rows.push(h('li', { class: 'muted' }, `… and ${markers.length - MAX_ROWS} more (the editor marks them all)`));
    this.list.replaceChildren(...rows);
  }

  private row(m: monaco.editor.IMarker): HTMLElement {
    const sev = SEVERITY[m.severity] ?? SEVERITY[monaco.MarkerSeverity.Info]!;
    const where = `Ln ${m.startLineNumber}, Col ${m.startColumn}`;
    const message = m.message.split('\n')[0]!;
    return h(
      'li',
      {},
      h(
        'button',
        {
          class: `problem ${sev.name}`,
          'data-testid': 'problem',
          'data-line': String(m.startLineNumber),
          title: `${m.message}\n${m.source ?? m.owner} · ${where}`,
          onclick: () => this.reveal(m),
        },
        h('span', { class: 'sev', 'aria-label': sev.name }, sev.icon),
        h('span', { class: 'msg' }, message),
        h('span', { class: 'muted src' }, m.source ?? m.owner),
        h('span', { class: 'muted where' }, where),
      ),
    );
  }

  private reveal(m: monaco.editor.IMarker): void {
    this.editor.setSelection({
      startLineNumber: m.startLineNumber,
      startColumn: m.startColumn,
      endLineNumber: m.startLineNumber,
      endColumn: m.startColumn,
    });
    this.editor.revealLineInCenterIfOutsideViewport(m.startLineNumber);
    this.editor.focus();
  }
}

/**
 * Search across the workspace (Ctrl+Shift+F): every file's text as the editor has it (unsaved edits included),
 * matched by search.ts; the hits listed by file, and a click opens the file with the match selected.
 */
import { h } from './dom';
import { compileQuery, searchText, type SearchHit, type SearchOptions } from './search';

/** Hits listed at most (the summary says when there were more). */
const MAX_HITS = 2000;
/** Files read at once. */
const PARALLEL = 4;
/** Typing pause before the search runs (Enter runs it at once). */
const TYPING_MS = 250;

export interface SearchSource {
  paths(): string[];
  textOf(path: string): Promise<string>;
  openAt(path: string, line: number, column: number, length: number): Promise<void>;
}

export class SearchView {
  readonly input = h('input', {
    type: 'search',
    placeholder: 'Search the workspace',
    'aria-label': 'search the workspace',
    'data-testid': 'search-input',
  });
  private readonly opts: SearchOptions = { matchCase: false, wholeWord: false, regex: false };
  private readonly summary = h('div', {
    class: 'search-summary muted',
    'data-testid': 'search-summary',
    role: 'status',
  });
  private readonly list = h('ul', {
    class: 'search-results',
    'data-testid': 'search-results',
    'aria-label': 'search results',
  });
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumps per search: a slower earlier one drops its answer. */
  private generation = 0;

  constructor(
    readonly root: HTMLElement,
    private readonly source: SearchSource,
  ) {
    const toggle = (key: keyof SearchOptions, label: string, title: string) => {
      const b = h(
        'button',
        { class: 'search-toggle', 'data-testid': `search-${key}`, title, 'aria-pressed': 'false' },
        label,
      );
      b.addEventListener('click', () => {
        this.opts[key] = !this.opts[key];
        b.setAttribute('aria-pressed', String(this.opts[key]));
        void this.run();
      });
      return b;
    };
    this.input.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.run(), TYPING_MS);
    });
    this.input.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      clearTimeout(this.timer);
      void this.run();
    });
    root.replaceChildren(
      h(
        'div',
        { class: 'search-bar' },
        this.input,
        toggle('matchCase', 'Aa', 'Match case'),
        toggle('wholeWord', 'ab', 'Match whole word'),
        toggle('regex', '.*', 'Use regular expression'),
      ),
      this.summary,
      this.list,
    );
  }

  /** Puts the cursor in the query (with `text`, e.g. the editor's selection, when given). */
  focus(text?: string): void {
    if (text && !text.includes('\n')) this.input.value = text;
    this.input.focus();
    this.input.select();
    if (text) void this.run();
  }

  /** Searches every file for the query; the list shows the hits file by file. */
  async run(): Promise<void> {
    clearTimeout(this.timer);
    const gen = ++this.generation;
    const re = compileQuery(this.input.value, this.opts);
    if (typeof re !== 'object') {
      this.list.replaceChildren();
      this.summary.textContent = re ?? '';
      this.summary.classList.toggle('error', re !== undefined);
      return;
    }
    this.summary.classList.remove('error');
    const paths = this.source.paths();
    const hits = new Map<string, SearchHit[]>();
    const unread: string[] = [];
    let total = 0;
    let next = 0;
    let done = 0;
    this.summary.textContent = `searching ${paths.length} files…`;
    const worker = async () => {
      while (next < paths.length && total < MAX_HITS) {
        const path = paths[next++]!;
        let text: string;
        try {
          text = await this.source.textOf(path);
        } catch {
          unread.push(path);
          continue;
        }
        if (gen !== this.generation) return;
        const found = searchText(path, text, new RegExp(re.source, re.flags), MAX_HITS - total);
        if (found.length) hits.set(path, found);
        total += found.length;
        done++;
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    if (gen !== this.generation) return;
    this.render(paths, hits, total, done, unread);
  }

  private render(
    paths: string[],
    hits: Map<string, SearchHit[]>,
    total: number,
    searched: number,
    unread: string[],
  ): void {
    const files = paths.filter((p) => hits.has(p));
    const more =
      total >= MAX_HITS ? ` (the first ${MAX_HITS.toLocaleString('en-US')}; make the query narrower for the rest)` : '';
    const missed = unread.length ? `; ${unread.length} could not be read (${unread.join(', ')})` : '';
    this.summary.textContent = total
      ? `${total} result${total === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}${more}${missed}`
      : `No results in ${searched} file${searched === 1 ? '' : 's'}${missed}.`;
    const rows: HTMLElement[] = [];
    for (const path of files) {
      const found = hits.get(path)!;
      const slash = path.lastIndexOf('/');
      rows.push(
        h(
          'li',
          { class: 'search-file', 'data-testid': 'search-file', 'data-path': path, title: path },
          h('b', {}, path.slice(slash + 1)),
          slash > 0 ? h('span', { class: 'muted' }, ` ${path.slice(0, slash)}`) : null,
          h('span', { class: 'badge' }, found.length),
        ),
      );
      for (const hit of found) rows.push(h('li', {}, this.row(hit)));
    }
    this.list.replaceChildren(...rows);
  }

  private row(hit: SearchHit): HTMLElement {
    const end = hit.previewStart + hit.length;
    return h(
      'button',
      {
        class: 'search-hit',
        'data-testid': 'search-result',
        'data-path': hit.path,
        'data-line': hit.line,
        'data-column': hit.column,
        title: `${hit.path}:${hit.line}:${hit.column}`,
        onclick: () => void this.source.openAt(hit.path, hit.line, hit.column, hit.length),
      },
      h('span', { class: 'muted ln' }, hit.line),
      h(
        'span',
        { class: 'text' },
        hit.preview.slice(0, hit.previewStart),
        h('mark', {}, hit.preview.slice(hit.previewStart, end)),
        hit.preview.slice(end),
      ),
    );
  }
}

/**
 * The workspace's files in the editor: the file list, tabs of open files, New / Save As / Rename / Delete,
 * autosave, recent files, the examples menu, and unsaved edits kept in localStorage until they reach the disk
 * (so a crash of the host, or a reload, loses nothing that was typed).
 */
import type { FileEntry, LabApi } from '../src-main/contract';
import { askName, chooseDialog, confirmDialog } from './dialog';
import { h } from './dom';
import { modelFor, monaco, setRunMarker } from './editor';
import { examples } from './examples';
import { readText, SAVE_CONFLICT, writeText } from './file-transfer';

const AUTOSAVE_MS = 1500;
const K_TABS = 'kernel-lab.tabs';
const K_LAST = 'kernel-lab.lastFile';
const K_RECENT = 'kernel-lab.recent';
const K_UNSAVED = 'kernel-lab.unsaved';
/** The disk version each kept unsaved edit was based on (a reload saves them with that precondition). */
const K_BASE = 'kernel-lab.base';
const NAME_RE = /^[\w.-]+(\/[\w.-]+)*\.(js|ts)$/;

const uriOf = (path: string): monaco.Uri => monaco.Uri.parse(`file:///workspace/${path}`);

function readJson<T>(key: string, fallback: T): T {
  try {
    const v = localStorage.getItem(key);
    return v ? (JSON.parse(v) as T) : fallback;
  } catch {
    return fallback;
  }
}

/** Why a name is not a valid script name, or undefined when it is. */
export function badName(name: string): string | undefined {
  if (!NAME_RE.test(name) || name.split('/').some((s) => s === '..' || s === '.')) {
    return `'${name}' is not a valid script name (letters, digits, . _ - and /, ending in .js or .ts)`;
  }
  return undefined;
}

export class Files {
  current = 'scratch.js';
  private files: FileEntry[] = [];
  private tabs: string[] = readJson<string[]>(K_TABS, []);
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private unsaved: Record<string, string> = readJson<Record<string, string>>(K_UNSAVED, {});
  private unsavedTimer: ReturnType<typeof setTimeout> | undefined;
  private suppress = false;
  /**
   * The disk version each open file's buffer is based on: a version, null for a file that is not on the disk yet,
   * absent where unknown (a save then overwrites). Saves carry it; the host refuses one whose file changed since.
   */
  private readonly versions = new Map<string, string | null>(
    Object.entries(readJson<Record<string, string | null>>(K_BASE, {})),
  );
  /** Saves of one file go one at a time (each waits for the version the previous one made). */
  private readonly saving = new Map<string, Promise<boolean>>();
  /** Conflict dialogs, one at a time. */
  private asking: Promise<unknown> = Promise.resolve();
  private chunkChars = 0;

  constructor(
    private readonly lab: LabApi,
    private readonly editor: monaco.editor.IStandaloneCodeEditor,
    private readonly el: {
      list: HTMLElement;
      tabs: HTMLElement;
      title: HTMLElement;
      examples: HTMLElement;
      recent: HTMLElement;
      tabsList?: HTMLElement;
    },
    private readonly log: (msg: string) => void,
  ) {
    editor.onDidChangeModelContent(() => {
      if (this.suppress) return;
      const path = this.current;
      const model = editor.getModel()!;
      this.unsaved[path] = model.getValue();
      this.storeUnsaved();
      // A key press redraws the tabs only when the file turns dirty (redrawing them lays the page out again).
      if (!this.dirty.has(path)) {
        this.dirty.add(path);
        this.mark();
      }
      clearTimeout(this.timers.get(path));
      this.timers.set(
        path,
        setTimeout(() => void this.save(path), AUTOSAVE_MS),
      );
      // An edit clears a run's marker; the Problems list redraws only when there was one.
      if (monaco.editor.getModelMarkers({ owner: 'kernel-lab', resource: model.uri }).length)
        setRunMarker(model, undefined);
    });
    window.addEventListener('beforeunload', () => this.storeUnsavedNow());
  }

  /** Lists the workspace, reopens the tabs of last time with their unsaved edits. */
  async start(): Promise<void> {
    this.chunkChars = (await this.lab.hostInfo()).fileChunkChars;
    await this.refresh();
    const known = new Set(this.files.map((f) => f.path));
    // Files with unsaved edits are reopened even when they never reached the disk.
    const wanted = [...new Set([...this.tabs, ...Object.keys(this.unsaved)])].filter(
      (p) => known.has(p) || p in this.unsaved,
    );
    this.tabs = [];
    for (const p of wanted) await this.load(p);
    const last = localStorage.getItem(K_LAST);
    const first = last && this.tabs.includes(last) ? last : (this.tabs[0] ?? this.files[0]?.path);
    if (first) await this.open(first);
    else {
      this.current = 'scratch.js';
      this.editor.setModel(modelFor(this.current, "print('hello from Kernel Lab');\n"));
      this.addTab(this.current);
    }
    // Restored edits go to the disk as any edit does.
    for (const p of Object.keys(this.unsaved)) {
      this.dirty.add(p);
      this.timers.set(
        p,
        setTimeout(() => void this.save(p), 200),
      );
    }
    this.renderMenus();
    this.mark();
  }

  /**
   * Changes the workspace folder (Electron): saves every edit to the current folder first (and gives up if one
   * cannot be saved), lets `choose` ask for the new folder, then starts over there: the old folder's tabs, models
   * and kept edits are let go, its files listed afresh. True when the workspace changed.
   */
  async switchWorkspace(choose: () => Promise<{ workspace: string; changed: boolean }>): Promise<boolean> {
    for (const p of [...this.dirty]) {
      if (!(await this.save(p))) {
        this.log(`the workspace was not changed: ${p} could not be saved`);
        return false;
      }
    }
    const r = await choose();
    if (!r.changed) return false;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.dirty.clear();
    this.unsaved = {};
    this.versions.clear();
    this.storeUnsavedNow();
    for (const p of new Set([...this.tabs, this.current])) monaco.editor.getModel(uriOf(p))?.dispose();
    this.tabs = [];
    localStorage.setItem(K_TABS, '[]');
    localStorage.removeItem(K_LAST);
    localStorage.setItem(K_RECENT, '[]');
    this.el.tabs.replaceChildren();
    await this.start();
    this.log(`workspace: ${r.workspace}`);
    return true;
  }

  async refresh(): Promise<void> {
    this.files = await this.lab.listFiles();
    this.renderList();
  }

  /** Creates the model of a file (from unsaved edits, else the disk) and its tab, without showing it. */
  private async load(path: string): Promise<boolean> {
    if (!monaco.editor.getModel(uriOf(path))) {
      let content: string;
      if (path in this.unsaved) content = this.unsaved[path]!;
      else {
        try {
          const read = await this.readText(path);
          content = read.content;
          this.versions.set(path, read.version);
        } catch (e) {
          this.log(`cannot open ${path}: ${(e as Error).message}`);
          return false;
        }
      }
      modelFor(path, content);
    }
    this.addTab(path);
    return true;
  }

  async open(path: string): Promise<void> {
    if (!(await this.load(path))) return;
    this.current = path;
    this.suppress = true;
    this.editor.setModel(modelFor(path, ''));
    this.suppress = false;
    localStorage.setItem(K_LAST, path);
    const recent = [path, ...readJson<string[]>(K_RECENT, []).filter((p) => p !== path)].slice(0, 10);
    localStorage.setItem(K_RECENT, JSON.stringify(recent));
    this.renderMenus();
    this.mark();
    this.editor.focus();
  }

  private addTab(path: string): void {
    if (!this.tabs.includes(path)) this.tabs.push(path);
    localStorage.setItem(K_TABS, JSON.stringify(this.tabs));
  }

  async closeTab(path: string): Promise<void> {
    if (this.dirty.has(path)) await this.save(path);
    this.tabs = this.tabs.filter((t) => t !== path);
    localStorage.setItem(K_TABS, JSON.stringify(this.tabs));
    if (path === this.current) {
      const next = this.tabs[this.tabs.length - 1] ?? this.files.find((f) => f.path !== path)?.path;
      if (next) await this.open(next);
    }
    if (path !== this.current) monaco.editor.getModel(uriOf(path))?.dispose();
    this.mark();
  }

  async save(path = this.current): Promise<boolean> {
    const prev = this.saving.get(path) ?? Promise.resolve(true);
    const next = prev.then(
      () => this.saveNow(path),
      () => this.saveNow(path),
    );
    this.saving.set(path, next);
    void next.finally(() => {
      if (this.saving.get(path) === next) this.saving.delete(path);
    });
    return next;
  }

  private async saveNow(path: string, overwrite = false): Promise<boolean> {
    const model = monaco.editor.getModel(uriOf(path));
    if (!model) return false;
    clearTimeout(this.timers.get(path));
    this.timers.delete(path);
    const content = model.getValue();
    const expected = overwrite ? undefined : this.versions.get(path);
    try {
      const entry = await this.writeText(path, content, expected);
      this.versions.set(path, entry.version ?? null);
    } catch (e) {
      if ((e as { code?: string }).code === SAVE_CONFLICT) return this.resolveConflict(path, (e as Error).message);
      this.log(
        `cannot save ${path}: ${(e as Error).message} (the edit is kept in this window and restored after a reload)`,
      );
      return false;
    }
    // Edits made while the save was in flight stay dirty (and scheduled).
    if (model.isDisposed() || model.getValue() === content) {
      this.dirty.delete(path);
      delete this.unsaved[path];
      this.storeUnsavedNow();
    } else this.storeUnsavedNow();
    if (!this.files.some((f) => f.path === path)) await this.refresh();
    this.mark();
    return true;
  }

  /**
   * Another tab or program saved `path` since this window read it: asks whether to reload the disk's version (this
   * edit is dropped), overwrite it with this edit, or save this edit as another file. Dismissed, the edit stays
   * unsaved (and kept). True when this window's edit reached the disk.
   */
  private resolveConflict(path: string, why: string): Promise<boolean> {
    const ask = this.asking.then(async (): Promise<boolean> => {
      this.log(`not saved: ${why}`);
      const choice = await chooseDialog(`${path} was changed by another tab or program since this window read it.`, [
        { value: 'reload', label: 'Reload from disk' },
        { value: 'overwrite', label: 'Overwrite' },
        { value: 'save-as', label: 'Save As…', primary: true },
      ] as const);
      if (choice === 'reload') {
        await this.reload(path);
        return false;
      }
      if (choice === 'overwrite') return this.saveNow(path, true);
      if (choice === 'save-as') {
        if (this.current !== path) await this.open(path);
        await this.saveAs();
        return false;
      }
      this.log(`${path}: the edit is kept in this window, not saved`);
      return false;
    });
    this.asking = ask.catch(() => {});
    return ask;
  }

  /** Replaces a file's buffer with what the disk has now, dropping its unsaved edit. */
  private async reload(path: string): Promise<void> {
    let read: { content: string; version: string };
    try {
      read = await this.readText(path);
    } catch (e) {
      this.log(`cannot reload ${path}: ${(e as Error).message}`);
      return;
    }
    this.forget(path);
    this.versions.set(path, read.version);
    this.storeUnsavedNow();
    const model = monaco.editor.getModel(uriOf(path));
    if (model && model.getValue() !== read.content) {
      this.suppress = this.current === path;
      model.setValue(read.content);
      this.suppress = false;
    }
    this.mark();
  }

  private readText(path: string): Promise<{ content: string; version: string }> {
    return readText(this.lab, path);
  }

  private async writeText(path: string, content: string, expected: string | null | undefined): Promise<FileEntry> {
    if (!this.chunkChars) this.chunkChars = (await this.lab.hostInfo()).fileChunkChars;
    return writeText(this.lab, path, content, expected, this.chunkChars);
  }

  async newFile(): Promise<void> {
    const name = await askName(
      'New file name (.js or .ts):',
      'untitled.js',
      (n) => badName(n) ?? (this.exists(n) ? `'${n}' exists already` : undefined),
    );
    if (!name) return;
    modelFor(name, '');
    this.versions.set(name, null);
    await this.save(name);
    await this.open(name);
  }

  async saveAs(): Promise<void> {
    const from = this.current;
    const name = await askName(
      `Save ${from} as:`,
      from.replace(/(\.\w+)$/, '-copy$1'),
      (n) => badName(n) ?? (n === from ? 'choose another name' : undefined),
    );
    if (!name) return;
    if (this.exists(name) && !(await confirmDialog(`'${name}' exists. Replace it?`))) return;
    const content = this.editor.getModel()!.getValue();
    monaco.editor.getModel(uriOf(name))?.setValue(content);
    modelFor(name, content);
    // Replacing a file was confirmed just now; a new name must still be free when the save lands.
    if (this.exists(name)) this.versions.delete(name);
    else this.versions.set(name, null);
    if (!(await this.save(name))) return;
    // Like an editor's Save As: the old file keeps what the disk has; the buffer now is the new file.
    if (this.dirty.has(from)) this.forget(from);
    this.tabs = this.tabs.filter((t) => t !== from);
    monaco.editor.getModel(uriOf(from))?.dispose();
    await this.open(name);
  }

  async rename(): Promise<void> {
    const from = this.current;
    const name = await askName(
      `Rename ${from} to:`,
      from,
      (n) => badName(n) ?? (n !== from && this.exists(n) ? `'${n}' exists already` : undefined),
    );
    if (!name || name === from) return;
    if (this.dirty.has(from) && !(await this.save(from))) return;
    if (!this.exists(from)) await this.save(from);
    try {
      const entry = await this.lab.renameFile(from, name);
      this.versions.set(name, entry.version ?? null);
      this.versions.delete(from);
    } catch (e) {
      this.log(`cannot rename ${from}: ${(e as Error).message}`);
      return;
    }
    const content = monaco.editor.getModel(uriOf(from))?.getValue() ?? '';
    modelFor(name, content);
    this.tabs = this.tabs.map((t) => (t === from ? name : t));
    monaco.editor.getModel(uriOf(from))?.dispose();
    await this.refresh();
    await this.open(name);
    localStorage.setItem(K_RECENT, JSON.stringify(readJson<string[]>(K_RECENT, []).filter((p) => p !== from)));
    this.renderMenus();
  }

  async remove(): Promise<void> {
    const path = this.current;
    if (!(await confirmDialog(`Delete ${path}? This cannot be undone.`))) return;
    if (this.exists(path)) {
      try {
        await this.lab.deleteFile(path);
      } catch (e) {
        this.log(`cannot delete ${path}: ${(e as Error).message}`);
        return;
      }
    }
    this.forget(path);
    this.versions.delete(path);
    this.tabs = this.tabs.filter((t) => t !== path);
    localStorage.setItem(K_TABS, JSON.stringify(this.tabs));
    localStorage.setItem(K_RECENT, JSON.stringify(readJson<string[]>(K_RECENT, []).filter((p) => p !== path)));
    await this.refresh();
    const next = this.tabs[this.tabs.length - 1] ?? this.files[0]?.path;
    const model = monaco.editor.getModel(uriOf(path));
    if (next) await this.open(next);
    else {
      this.current = 'scratch.js';
      this.editor.setModel(modelFor(this.current, ''));
      this.addTab(this.current);
    }
    model?.dispose();
    this.renderMenus();
    this.mark();
  }

  /** Saves `content` as a new file named like `path` (with -2, -3, ... when taken) and opens it; returns its name. */
  async openNew(path: string, content: string): Promise<string> {
    let name = path;
    for (let i = 2; this.exists(name) || monaco.editor.getModel(uriOf(name)); i++)
      name = path.replace(/(\.\w+)$/, `-${i}$1`);
    modelFor(name, content);
    this.versions.set(name, null);
    await this.save(name);
    await this.open(name);
    return name;
  }

  /** Opens a bundled example: its copy in the workspace's examples/ folder (made on first use). */
  async openExample(name: string): Promise<void> {
    const ex = examples.find((e) => e.name === name);
    if (!ex) return;
    await this.openOrCreate(`examples/${ex.name}`, ex.code);
  }

  /** Opens `path` as it is when the workspace (or an open tab) has it; otherwise creates it with `content` first. */
  async openOrCreate(path: string, content: string): Promise<void> {
    if (!this.exists(path) && !monaco.editor.getModel(uriOf(path))) {
      modelFor(path, content);
      this.versions.set(path, null);
      await this.save(path);
    }
    await this.open(path);
  }

  /** Every file a search covers: the workspace's, and open ones not saved yet. */
  searchPaths(): string[] {
    return [...new Set([...this.files.map((f) => f.path), ...this.tabs])].sort();
  }

  /** A file's text as the editor has it (unsaved edits included), else as the disk has it. */
  async textOf(path: string): Promise<string> {
    const model = monaco.editor.getModel(uriOf(path));
    return model ? model.getValue() : (await this.readText(path)).content;
  }

  /** Opens a file with `length` characters selected from line:column, in view. */
  async openAt(path: string, line: number, column: number, length: number): Promise<void> {
    await this.open(path);
    if (this.current !== path) return;
    this.editor.setSelection({
      startLineNumber: line,
      startColumn: column,
      endLineNumber: line,
      endColumn: column + length,
    });
    this.editor.revealLineInCenterIfOutsideViewport(line);
    this.editor.focus();
  }

  private forget(path: string): void {
    clearTimeout(this.timers.get(path));
    this.timers.delete(path);
    this.dirty.delete(path);
    delete this.unsaved[path];
    this.storeUnsavedNow();
  }

  private exists(path: string): boolean {
    return this.files.some((f) => f.path === path);
  }

  private storeUnsaved(): void {
    clearTimeout(this.unsavedTimer);
    this.unsavedTimer = setTimeout(() => this.storeUnsavedNow(), 150);
  }

  private storeUnsavedNow(): void {
    clearTimeout(this.unsavedTimer);
    try {
      localStorage.setItem(K_UNSAVED, JSON.stringify(this.unsaved));
      const base = Object.fromEntries(
        Object.keys(this.unsaved)
          .filter((p) => this.versions.has(p))
          .map((p) => [p, this.versions.get(p)!]),
      );
      localStorage.setItem(K_BASE, JSON.stringify(base));
    } catch {
      this.log('cannot keep unsaved edits in local storage (quota): save your files');
    }
  }

  private renderList(): void {
    this.el.list.replaceChildren(
      ...this.files.map((f) =>
        h(
          'li',
          {
            'data-path': f.path,
            title: `${f.path} (${f.size} bytes)`,
            tabindex: 0,
            role: 'button',
            onclick: () => void this.open(f.path),
          },
          f.path,
        ),
      ),
    );
    for (const li of this.el.list.querySelectorAll<HTMLElement>('li')) {
      li.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') void this.open(li.dataset.path!);
      });
    }
    this.mark();
  }

  private renderMenus(): void {
    const recent = readJson<string[]>(K_RECENT, []);
    this.el.recent.replaceChildren(
      ...(recent.length ? [] : [h('li', { class: 'muted' }, 'no recent files')]),
      ...recent.map((p) =>
        h('li', { role: 'menuitem', tabindex: 0, 'data-path': p, onclick: () => void this.open(p) }, p),
      ),
    );
    if (!this.el.examples.childElementCount) {
      let engine = '';
      const items: HTMLElement[] = [];
      for (const ex of examples) {
        if (ex.engine !== engine) items.push(h('li', { class: 'menu-head' }, (engine = ex.engine)));
        items.push(
          h(
            'li',
            {
              role: 'menuitem',
              tabindex: 0,
              'data-example': ex.name,
              title: ex.title,
              onclick: () => void this.openExample(ex.name),
            },
            h('b', {}, ex.name),
            h('span', { class: 'muted' }, ex.title),
          ),
        );
      }
      this.el.examples.replaceChildren(...items);
    }
  }

  /** Updates the active / dirty marks of the list, the tabs and the title. */
  mark(): void {
    for (const li of this.el.list.querySelectorAll<HTMLElement>('li')) {
      li.classList.toggle('active', li.dataset.path === this.current);
      li.classList.toggle('dirty', this.dirty.has(li.dataset.path ?? ''));
    }
    this.el.tabs.replaceChildren(
      ...this.tabs.map((p) =>
        h(
          'div',
          {
            role: 'tab',
            class: `etab${p === this.current ? ' active' : ''}${this.dirty.has(p) ? ' dirty' : ''}`,
            'data-path': p,
            'aria-selected': p === this.current ? 'true' : 'false',
            title: p,
          },
          h('span', { class: 'etab-name', onclick: () => void this.open(p) }, p.split('/').pop()!),
          h(
            'button',
            { class: 'etab-close', 'aria-label': `close ${p}`, title: 'Close', onclick: () => void this.closeTab(p) },
            '×',
          ),
        ),
      ),
    );
    // With more tabs than fit, the active one is scrolled into view, and the menu lists them all.
    this.el.tabs.querySelector<HTMLElement>('.etab.active')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    this.el.tabsList?.replaceChildren(
      ...this.tabs.map((p) =>
        h(
          'li',
          {
            role: 'menuitem',
            tabindex: 0,
            'data-path': p,
            class: p === this.current ? 'active' : undefined,
            title: p,
            onclick: () => void this.open(p),
          },
          `${p === this.current ? '● ' : ''}${p}${this.dirty.has(p) ? ' (unsaved)' : ''}`,
        ),
      ),
    );
    this.el.title.textContent = this.current + (this.dirty.has(this.current) ? ' ●' : '');
  }
}

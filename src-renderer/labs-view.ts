/**
 * The lab exercises in the workbench: the lab list (with the labs passed so far, kept in localStorage), the open
 * lab's instructions (its README.md as sanitised markdown), the Check button and each criterion's verdict.
 */
import DOMPurify from 'dompurify';
import { marked } from 'marked';
import type { CriterionResult, LabApi, LabInfo, LabVariant, RunEvent } from '../src-main/contract';
import { openCourseFolders } from './course-folders-view';
import { h } from './dom';

type Done = Extract<RunEvent, { type: 'done' }>;

const KEY = 'kernel-lab.labs';
const ENGINE: Record<LabInfo['engine'], string> = { mm: 'memory', bpf: 'BPF', ublk: 'ublk' };

interface Progress {
  /** Lab id → when every criterion first passed (ms since the epoch). */
  passed: Record<string, number>;
  /** Lab id → the verdicts of its last check. */
  last: Record<string, { at: number; checks: CriterionResult[] }>;
  /** Lab id → the criteria that have failed in a check: their hints are unlocked (issue 17: not before an attempt). */
  tried?: Record<string, string[]>;
  /** The lab open last time. */
  open?: string | undefined;
  /** Whose variant of a seeded lab: the submission's name (as the instructor grades it) or a seed from a roster. */
  who?: { name?: string; seed?: number };
  /** Lab id → the submission language picked for a lab that takes C too. */
  lang?: Record<string, SubmissionLanguage>;
}

/** A lab's submission: the script, or (a lab with lab.json `c`) BPF C. */
export type SubmissionLanguage = 'script' | 'c';

function loadProgress(): Progress {
  try {
    const p = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Progress>;
    return {
      passed: p.passed ?? {},
      last: p.last ?? {},
      tried: p.tried ?? {},
      open: p.open,
      who: p.who ?? {},
      lang: p.lang ?? {},
    };
  } catch {
    return { passed: {}, last: {} };
  }
}

/** The last path component of a course folder, for the lab list's mark of where a lab comes from. */
export function folderName(dir: string): string {
  return (
    dir
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() || dir
  );
}

/** The workspace file a lab's starter is copied to, e.g. labs/01-secretmem-split.js (labs/04-sum-three-ways.bpf.c for C). */
export function labFile(id: string, starterName: string): string {
  const ext = /\.ts$/.test(starterName) ? '.ts' : /\.c$/.test(starterName) ? '.bpf.c' : '.js';
  return `labs/${id}${ext}`;
}

/** Markdown to HTML that is safe to insert (no scripts, no handlers; links open outside the app). */
export function renderMarkdown(md: string): string {
  return DOMPurify.sanitize(marked.parse(md, { async: false, gfm: true }));
}

export interface LabHooks {
  /** Opens a workspace file, creating it with `content` when it does not exist. */
  openFile(path: string, content: string): Promise<void>;
  /** The path of the file in the editor. */
  currentFile(): string;
  /** Runs the file in the editor as a submission of `labId`, with the student's seed of a seeded lab. */
  check(labId: string, seed?: number): void;
  /** The toolbar's seed: the variant shown until the student gives their submission's name. */
  toolbarSeed(): number;
  /** Shows the lab pane. */
  show(): void;
}

export class LabsView {
  private labs: LabInfo[] = [];
  private progress = loadProgress();
  private opened:
    | { lab: LabInfo; file: string; starters: Record<SubmissionLanguage, { name: string; text: string } | undefined> }
    | undefined;
  private running = false;
  private readonly title = h('div', { class: 'lab-title', 'data-testid': 'lab-title' });
  private readonly checkBtn = h(
    'button',
    {
      class: 'primary',
      'data-testid': 'lab-check',
      disabled: true,
      title: 'Run the file in the editor and check it against the lab’s criteria',
    },
    '✓ Check',
  );
  private readonly fileNote = h('span', { class: 'muted small lab-file', 'data-testid': 'lab-file' });
  /** A lab that takes C too: the script or the C starter, each in its own workspace file. */
  private readonly langBtns: Record<SubmissionLanguage, HTMLButtonElement> = {
    script: h(
      'button',
      { 'data-testid': 'lab-lang-script', 'aria-pressed': 'true', title: 'Submit a script (the lab’s .js)' },
      'Script',
    ) as HTMLButtonElement,
    c: h(
      'button',
      {
        'data-testid': 'lab-lang-c',
        'aria-pressed': 'false',
        title: 'Submit BPF C (a .bpf.c compiled by this machine’s clang)',
      },
      'C',
    ) as HTMLButtonElement,
  };
  private readonly langBox = h(
    'span',
    {
      class: 'lab-lang',
      'data-testid': 'lab-language',
      role: 'group',
      'aria-label': 'submission language',
      hidden: true,
    },
    this.langBtns.script,
    this.langBtns.c,
  );
  private readonly summary = h('div', { class: 'lab-summary', 'data-testid': 'lab-summary', role: 'status' });
  private readonly results = h('ul', { class: 'lab-results', 'data-testid': 'lab-results' });
  private readonly readme = h('article', { class: 'lab-readme', 'data-testid': 'lab-readme' });
  /** A seeded lab: whose variant (name or roster seed) and its numbers. */
  private readonly variantBox = h('section', {
    class: 'lab-variant',
    'data-testid': 'lab-variant',
    hidden: true,
    'aria-label': 'your variant',
  });
  private readonly whoName = h('input', {
    'data-testid': 'variant-name',
    'aria-label': 'your submission’s name',
    placeholder: 'e.g. alice',
    spellcheck: 'false',
    maxlength: 255,
  }) as HTMLInputElement;
  private readonly whoSeed = h('input', {
    'data-testid': 'variant-seed',
    'aria-label': 'your seed from the roster',
    type: 'number',
    min: 0,
    max: 4294967295,
    placeholder: 'none',
  }) as HTMLInputElement;
  private readonly variantOut = h('div', { class: 'variant-out', 'data-testid': 'variant-params', role: 'status' });
  /** The variant shown now (its seed is the one Check uses). */
  private variant: LabVariant | undefined;
  private variantSeq = 0;

  constructor(
    private readonly api: LabApi,
    private readonly list: HTMLElement,
    pane: HTMLElement,
    private readonly hooks: LabHooks,
    private readonly count?: HTMLElement,
  ) {
    this.checkBtn.addEventListener('click', () => {
      if (this.opened && !this.running) this.hooks.check(this.opened.lab.id, this.variantSeed());
    });
    for (const lang of ['script', 'c'] as const)
      this.langBtns[lang].addEventListener('click', () => void this.pickLanguage(lang));
    this.whoName.value = this.progress.who?.name ?? '';
    this.whoSeed.value = this.progress.who?.seed !== undefined ? String(this.progress.who.seed) : '';
    const onWho = (): void => {
      const seed = this.whoSeed.value.trim() === '' ? undefined : Number(this.whoSeed.value);
      const name = this.whoName.value.trim();
      this.progress.who = {
        ...(name ? { name } : {}),
        ...(seed !== undefined && Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff ? { seed } : {}),
      };
      this.save();
      void this.refreshVariant();
    };
    this.whoName.addEventListener('input', onWho);
    this.whoSeed.addEventListener('input', onWho);
    this.variantBox.append(
      h(
        'div',
        { class: 'variant-head' },
        h('b', {}, 'Your variant'),
        h('span', { class: 'muted small' }, ' · this lab’s numbers are your own, drawn from your seed'),
      ),
      h(
        'div',
        { class: 'variant-who' },
        h('label', {}, 'Your submission’s name ', this.whoName),
        h('label', {}, ' or the seed your instructor gave you ', this.whoSeed),
      ),
      this.variantOut,
    );
    this.readme.addEventListener('click', (e) => {
      const a = (e.target as HTMLElement).closest('a');
      if (!a) return;
      e.preventDefault();
      const href = a.getAttribute('href') ?? '';
      if (/^https?:\/\//.test(href)) window.open(href, '_blank', 'noopener');
    });
    pane.replaceChildren(
      h(
        'div',
        { class: 'lab-head' },
        this.title,
        h('div', { class: 'lab-actions' }, this.checkBtn, this.langBox, this.fileNote),
      ),
      h(
        'div',
        { class: 'lab-body' },
        this.variantBox,
        h('section', { class: 'lab-check-box', 'aria-label': 'check results' }, this.summary, this.results),
        this.readme,
      ),
    );
    this.readme.append(
      h(
        'p',
        { class: 'empty' },
        'Pick a lab from the Labs list on the left: its task shows here, its starting script opens in the editor.',
      ),
    );
  }

  /** Lists the labs and reopens the lab of last time (its instructions only: the editor keeps its file). */
  async start(): Promise<void> {
    if (!(await this.reload())) return;
    const last = this.progress.open;
    if (last && this.labs.some((l) => l.id === last)) await this.open(last, { restore: true });
  }

  /** Lists the labs again (after the course folders changed); false when they cannot be listed. */
  async reload(): Promise<boolean> {
    try {
      this.labs = await this.api.listLabs();
    } catch (e) {
      this.list.replaceChildren(h('li', { class: 'muted' }, `cannot list the labs: ${(e as Error).message}`));
      return false;
    }
    this.renderList();
    return true;
  }

  /** The course folders setting (the ⚙ of the lab list). */
  async editCourseFolders(): Promise<void> {
    await openCourseFolders(this.api, async () => void (await this.reload()));
  }

  /** The seed a Check of the open lab runs with: the student's own for a seeded lab, else the toolbar's. */
  variantSeed(): number | undefined {
    return this.opened?.lab.params ? this.variant?.seed : undefined;
  }

  /** The open seeded lab's variant for a plain Run of its file: its seed and lab.params. */
  variantFor(path: string): LabVariant | undefined {
    return this.opened?.lab.params && this.opened.file === path ? this.variant : undefined;
  }

  /** Shows the open lab's variant for the student's name or seed (or the toolbar's seed until they give one). */
  async refreshVariant(): Promise<void> {
    const lab = this.opened?.lab;
    this.variantBox.hidden = !lab?.params;
    if (!lab?.params) {
      this.variant = undefined;
      return;
    }
    const who = this.progress.who ?? {};
    const seq = ++this.variantSeq;
    let got: LabVariant;
    try {
      got = await this.api.labVariant(
        lab.id,
        who.seed !== undefined
          ? { seed: who.seed }
          : who.name
            ? { name: who.name }
            : { seed: this.hooks.toolbarSeed() },
      );
    } catch (e) {
      if (seq === this.variantSeq) this.variantOut.textContent = `cannot draw your variant: ${(e as Error).message}`;
      return;
    }
    if (seq !== this.variantSeq) return;
    this.variant = got;
    const whence =
      who.seed !== undefined
        ? 'the seed you gave'
        : who.name
          ? `the name ${who.name.replace(/\.(js|ts|mjs|mts)$/, '')}, as your instructor grades ${who.name.replace(/\.(js|ts|mjs|mts)$/, '')}.js`
          : 'the toolbar’s seed: give your submission’s name to get your own numbers';
    this.variantOut.replaceChildren(
      h(
        'div',
        { class: 'muted small', 'data-testid': 'variant-seed-used', 'data-seed': String(got.seed) },
        `seed ${got.seed}, from ${whence}`,
      ),
      h(
        'dl',
        { class: 'variant-params' },
        ...Object.entries(got.params).flatMap(([k, v]) => [
          h('dt', { class: 'mono' }, `lab.params.${k}`),
          h('dd', { class: 'mono', 'data-param': k }, String(v)),
        ]),
      ),
    );
  }

  /** Opens a lab: its instructions in the pane and its file in the editor (the starter only when the file is new). */
  async open(id: string, opts: { restore?: boolean } = {}): Promise<void> {
    let got: Awaited<ReturnType<LabApi['openLab']>>;
    try {
      got = await this.api.openLab(id);
    } catch (e) {
      this.summary.textContent = `cannot open the lab ${id}: ${(e as Error).message}`;
      return;
    }
    const starters: Record<SubmissionLanguage, { name: string; text: string } | undefined> = {
      script: { name: got.starterName, text: got.starter },
      c: got.cStarter !== undefined ? { name: got.lab.c?.starter ?? 'starter.bpf.c', text: got.cStarter } : undefined,
    };
    const lang: SubmissionLanguage = starters.c && this.progress.lang?.[id] === 'c' ? 'c' : 'script';
    const file = labFile(id, starters[lang]!.name);
    this.opened = { lab: got.lab, file, starters };
    this.renderLanguage(lang);
    this.progress.open = id;
    this.save();
    this.renderTitle();
    this.readme.innerHTML = renderMarkdown(got.readme);
    const last = this.progress.last[id];
    if (last)
      this.showChecks(
        last.checks,
        `Last check, ${new Date(last.at).toLocaleString()}:`,
        new Set(this.progress.tried?.[id] ?? []),
      );
    else this.clearChecks();
    this.renderList();
    if (!opts.restore) {
      // The file first: opening it focuses the editor, which must not take the focus (and the keystrokes) from the
      // variant's name field once that shows.
      await this.hooks.openFile(file, starters[lang]!.text);
      this.hooks.show();
    }
    void this.refreshVariant();
    this.noteFile();
  }

  /** Shows the language picker of a lab that takes C, with `lang` pressed. */
  private renderLanguage(lang: SubmissionLanguage): void {
    this.langBox.hidden = !this.opened?.starters.c;
    for (const l of ['script', 'c'] as const) this.langBtns[l].setAttribute('aria-pressed', String(l === lang));
  }

  /** Switches the open lab's submission to the script or the C (its starter copied into the workspace if new). */
  async pickLanguage(lang: SubmissionLanguage): Promise<void> {
    const opened = this.opened;
    const starter = opened?.starters[lang];
    if (!opened || !starter) return;
    (this.progress.lang ??= {})[opened.lab.id] = lang;
    this.save();
    opened.file = labFile(opened.lab.id, starter.name);
    this.renderLanguage(lang);
    await this.hooks.openFile(opened.file, starter.text);
    this.noteFile();
  }

  /** The open lab's id when `path` is its file (a Run of a lab's C file is its check: C runs only through a lab). */
  labOf(path: string): string | undefined {
    return this.opened?.file === path ? this.opened.lab.id : undefined;
  }

  /** Enables or disables Check while a run goes. */
  setRunning(running: boolean): void {
    this.running = running;
    this.checkBtn.disabled = running || !this.opened;
  }

  /** Keeps the note of which file Check runs up to date (call when the editor's file changes). */
  noteFile(): void {
    if (!this.opened) return;
    const cur = this.hooks.currentFile();
    this.fileNote.textContent =
      cur === this.opened.file ? `checks ${cur}` : `checks ${cur} (the lab’s file is ${this.opened.file})`;
    this.fileNote.classList.toggle('warn', cur !== this.opened.file);
    this.checkBtn.disabled = this.running;
  }

  /** A check of `labId` has started. */
  checking(labId: string): void {
    if (this.opened?.lab.id !== labId) return;
    this.results.replaceChildren();
    this.summary.className = 'lab-summary';
    this.summary.textContent = 'checking…';
  }

  /** A check of `labId` has ended: its verdicts, and the lab marked done when every criterion passed. */
  finished(labId: string, done: Done): void {
    const checks = done.checks ?? [];
    const allPass = checks.length > 0 && checks.every((c) => c.pass);
    if (allPass && !this.progress.passed[labId]) this.progress.passed[labId] = Date.now();
    if (checks.length) this.progress.last[labId] = { at: Date.now(), checks };
    // A criterion's hint unlocks once it has failed a check: the first Check of the starter gives no fix away.
    const tried = (this.progress.tried ??= {});
    const unlocked = new Set(tried[labId] ?? []);
    tried[labId] = [...new Set([...unlocked, ...checks.filter((c) => !c.pass).map((c) => c.name)])];
    this.save();
    this.renderList();
    if (this.opened?.lab.id !== labId) return;
    if (!checks.length) {
      this.results.replaceChildren();
      this.summary.className = 'lab-summary fail';
      this.summary.textContent =
        done.error?.kind === 'stopped'
          ? 'The check was stopped before it ended.'
          : `Not checked: the run ended with ${done.error ? `${done.error.name}: ${done.error.message}` : 'no verdicts'}.`;
      return;
    }
    const head = done.ok
      ? ''
      : `The run ended with ${done.error?.name ?? 'an error'}${done.error ? `: ${done.error.message}` : ''} (see the Console). `;
    this.showChecks(checks, head, unlocked);
    this.renderTitle();
  }

  private renderTitle(): void {
    if (!this.opened) return;
    const { lab } = this.opened;
    this.title.replaceChildren(
      h('b', {}, lab.title),
      h('span', { class: 'muted small' }, ` · ${ENGINE[lab.engine]} · level ${lab.level}`),
      ...(this.progress.passed[lab.id]
        ? [h('span', { class: 'lab-done-badge', 'data-testid': 'lab-done' }, '✓ done')]
        : []),
    );
  }

  private showChecks(checks: CriterionResult[], head: string, unlocked: ReadonlySet<string>): void {
    const passed = checks.filter((c) => c.pass).length;
    const all = passed === checks.length;
    this.summary.className = `lab-summary ${all ? 'pass' : 'fail'}`;
    const verdict = all
      ? `All ${checks.length} criteria pass: lab done.`
      : `${passed} of ${checks.length} criteria pass.`;
    this.summary.textContent = head ? `${head} ${verdict}` : verdict;
    this.results.replaceChildren(
      ...checks.map((c) =>
        h(
          'li',
          { class: c.pass ? 'pass' : 'fail', 'data-testid': 'lab-criterion', 'data-pass': String(c.pass) },
          h('span', { class: 'mark', 'aria-label': c.pass ? 'pass' : 'fail' }, c.pass ? '✓' : '✗'),
          h(
            'div',
            { class: 'crit' },
            h('div', { class: 'crit-name' }, c.name),
            !c.pass && c.hint && unlocked.has(c.name)
              ? h('div', { class: 'crit-hint', 'data-testid': 'lab-hint' }, c.hint)
              : null,
            !c.pass && c.hint && !unlocked.has(c.name)
              ? h(
                  'div',
                  { class: 'crit-hint muted', 'data-testid': 'lab-hint-locked' },
                  'A hint unlocks if this still fails at your next Check.',
                )
              : null,
            !c.pass && c.detail ? h('pre', { class: 'crit-detail mono small' }, c.detail) : null,
          ),
        ),
      ),
    );
  }

  private clearChecks(): void {
    this.summary.className = 'lab-summary';
    this.summary.textContent = 'Write your solution in the editor, then press Check.';
    this.results.replaceChildren();
  }

  private save(): void {
    try {
      localStorage.setItem(KEY, JSON.stringify(this.progress));
    } catch {
      // Over the quota: progress stays for this session only.
    }
  }

  private renderList(): void {
    const items = this.labs.map((l) => {
      const done = !!this.progress.passed[l.id];
      const li = h(
        'li',
        {
          'data-lab': l.id,
          'data-done': String(done),
          'data-source': l.source ?? 'built-in',
          class: `${done ? 'done' : ''}${this.opened?.lab.id === l.id ? ' active' : ''}`,
          title: `${l.title} (${ENGINE[l.engine]}, level ${l.level})${done ? ' · done' : ''}${l.source && l.source !== 'built-in' ? ` · from ${l.source}` : ''}\n${l.summary}`,
          tabindex: 0,
          role: 'button',
          onclick: () => void this.open(l.id),
        },
        h('span', { class: 'lab-mark', 'aria-label': done ? 'done' : 'not done' }, done ? '✓' : '○'),
        h('span', { class: 'lab-name' }, `${l.id.slice(0, 2)} ${l.title}`),
        l.source && l.source !== 'built-in'
          ? h(
              'span',
              {
                class: 'lab-source muted small',
                'data-testid': 'lab-source',
                title: `from the course folder ${l.source}`,
              },
              ` · ${folderName(l.source)}`,
            )
          : null,
        l.params
          ? h('span', { class: 'muted small', title: 'seeded: each student gets their own numbers' }, ' · seeded')
          : null,
      );
      li.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') void this.open(l.id);
      });
      return li;
    });
    this.list.replaceChildren(...(items.length ? items : [h('li', { class: 'muted' }, 'no labs')]));
    if (this.count)
      this.count.textContent = this.labs.length
        ? `${this.labs.filter((l) => this.progress.passed[l.id]).length}/${this.labs.length} done`
        : '';
  }
}

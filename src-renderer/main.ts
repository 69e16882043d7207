/** The workbench: Monaco and files, Run/Stop, the console, results, the engine panels and the run history. */
import type { KernelAccess, LabApi, MachineState, RunEvent, RunId } from '../src-main/contract';
import { ConsoleView } from './console-view';
import { askKernelAccess, askName } from './dialog';
import {
  createEditor,
  isCFile,
  languageOf,
  setCompilerMarkers,
  setRunMarker,
  monaco,
  warmUpLanguageWorkers,
} from './editor';
import { cDiagnosticsOf } from './c-diagnostics';
import { memoryLabel } from './sizes';
import { Files } from './files';
import { initSplitter, loadLayout, saveLayout } from './layout';
import { connectLab } from './lab-client';
import { LabsView } from './labs-view';
import { BpfPanel } from './panels/bpf-panel';
import { keepBpfDetails } from './panels/bpf-state';
import { MemoryPanel } from './panels/memory-panel';
import { UblkPanel } from './panels/ublk-panel';
import { ResultsView } from './results-view';
import { initTheme } from './theme';
import { ProblemsView } from './problems-view';
import { SearchView } from './search-view';
import { RunsView, type RunRecord } from './runs-view';
import { exportSession, parseSession } from './session';
import { decodeShare, encodeShare, linkTo, MAX_LINK_CHARS, shareFragment, type SharedScript } from './share-link';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
};
const pane = (name: string): HTMLElement => document.querySelector<HTMLElement>(`[data-pane="${name}"]`)!;

const runBtn = $<HTMLButtonElement>('run');
const stopBtn = $<HTMLButtonElement>('stop');
const statusEl = $('status');
const progressEl = $<HTMLProgressElement>('progress');
const seedInput = $<HTMLInputElement>('seed');
const timeoutSelect = $<HTMLSelectElement>('timeout');
const machineSelect = $<HTMLSelectElement>('machine-select');
const consoleView = new ConsoleView($('console'));
const editor = createEditor($('editor'));
void warmUpLanguageWorkers();
const results = new ResultsView(pane('results'));
const memory = new MemoryPanel(pane('memory'));
const bpf = new BpfPanel(
  pane('bpf'),
  async (req) => {
    await ensureKernelAccess();
    return lab.kernelCheck(req);
  },
  // An instruction of a program assembled from the script: its script line in the editor.
  (line) => {
    if (shown) void files.openAt(shown.file, line, 1, 0);
  },
);
const ublk = new UblkPanel(pane('ublk'));
const runs = new RunsView(pane('runs'), (r) => showRun(r));
const problemsBadge = $('problems-badge');
new ProblemsView(pane('problems'), editor, (errors, warnings) => {
  const n = errors + warnings;
  problemsBadge.hidden = n === 0;
  problemsBadge.textContent = String(n);
  problemsBadge.classList.toggle('has-errors', errors > 0);
  problemsBadge.title = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
});

let lab: LabApi;
let files: Files;
const search = new SearchView(pane('search'), {
  paths: () => files.searchPaths(),
  textOf: (path) => files.textOf(path),
  openAt: (path, line, column, length) => files.openAt(path, line, column, length),
});
let labs: LabsView | undefined;
let currentRun: RunId | undefined;
let record: RunRecord | undefined;
/** The run whose machines the panels show (the current one, or one picked in the history). */
let shown: RunRecord | undefined;

function setStatus(text: string): void {
  statusEl.textContent = text;
  // A narrow window shortens the status with an ellipsis: the whole of it on hover.
  statusEl.title = text;
}

// ---- theme: the OS's, or the one picked on the toolbar ----
initTheme($<HTMLButtonElement>('theme'), (theme) => {
  monaco.editor.setTheme(theme === 'dark' ? 'vs-dark' : 'vs');
  // uPlot and the timeline read the theme's colours when they draw.
  results.load(results.current());
  ublk.redraw();
});

// ---- side tabs ----
const tabs = Array.from(document.querySelectorAll<HTMLButtonElement>('.tabs [data-tab]'));
function selectTab(name: string): void {
  for (const t of tabs) {
    t.classList.toggle('active', t.dataset.tab === name);
    t.setAttribute('aria-selected', String(t.dataset.tab === name));
  }
  for (const p of document.querySelectorAll<HTMLElement>('[data-pane]')) p.hidden = p.dataset.pane !== name;
  if (name === 'memory') memory.refresh();
  if (name === 'results') results.resize();
  saveLayout({ tab: name });
}
for (const t of tabs) t.addEventListener('click', () => selectTab(t.dataset.tab!));
initSplitter($('workbench'), $('splitter'), () => {
  results.resize();
});

// ---- machines ----
function machinesOf(r: RunRecord | undefined): MachineState[] {
  return r ? [...r.machines.values()].sort((a, b) => a.index - b.index) : [];
}

function renderMachineSelect(): void {
  const ms = machinesOf(shown);
  machineSelect.hidden = ms.length < 2;
  const want = ms.map((m) => `${m.index}`).join(',');
  if (machineSelect.dataset.list !== want) {
    const keep = machineSelect.value;
    machineSelect.replaceChildren(
      ...ms.map((m) => {
        const o = document.createElement('option');
        o.value = String(m.index);
        o.textContent = `machine ${m.index} · ${memoryLabel(m.mm.nframes * 4096)} · ${m.mm.policy}`;
        return o;
      }),
    );
    machineSelect.dataset.list = want;
    // Follow the newest machine until the user picks one.
    if (machinePicked && ms.some((m) => String(m.index) === keep)) machineSelect.value = keep;
    else if (ms.length) machineSelect.value = String(ms[ms.length - 1]!.index);
  }
}

function showMachine(): void {
  const ms = machinesOf(shown);
  const s = ms.find((m) => String(m.index) === machineSelect.value) ?? ms[ms.length - 1];
  if (s && machineSelect.value !== String(s.index)) machineSelect.value = String(s.index);
  memory.show(s);
  bpf.show(s);
  ublk.show(s);
}
let machinePicked = false;
machineSelect.addEventListener('change', () => {
  machinePicked = true;
  showMachine();
});

/** Shows a past run: its output, results and machines. */
function showRun(r: RunRecord): void {
  consoleView.clear();
  consoleView.meta(`(run #${r.n} of ${r.file}, seed ${r.seed})`);
  for (const l of r.lines) {
    if (l.stream === 'meta') consoleView.meta(l.text);
    else consoleView.output(l.stream, l.text);
  }
  if (r.done) consoleView.done(r.done, r.file);
  results.load(r.results);
  shown = r;
  machinePicked = false;
  memory.reset();
  for (const m of r.machines.values()) memory.record(m);
  renderMachineSelect();
  showMachine();
  selectTab('console');
}

// ---- runs ----
function setRunning(running: boolean): void {
  runBtn.disabled = running;
  stopBtn.disabled = !running;
  progressEl.hidden = !running;
  if (running) progressEl.removeAttribute('value');
  labs?.setRunning(running);
}

// ---- kernel access: asked once per session, held by the main side ----
let kernelAccess: KernelAccess = 'unasked';
let asking: Promise<void> | undefined;

/** Asks the person (once per session) whether scripts may reach the kernel; the main side keeps the answer. */
function ensureKernelAccess(): Promise<void> {
  if (kernelAccess !== 'unasked') return Promise.resolve();
  return (asking ??= askKernelAccess()
    .then((allow) => lab.setKernelAccess({ allow }))
    .then((r) => {
      kernelAccess = r.kernelAccess;
      consoleView.meta(
        kernelAccess === 'allowed'
          ? "Kernel calls are allowed for this session (within the kernel oracle's allow-list)."
          : 'Kernel calls stay off for this session.',
      );
    })
    .catch((e: Error) => consoleView.meta(`kernel access: ${e.message}`))
    .finally(() => (asking = undefined)));
}

/** A script from an imported session or a shared link (opened under sessions/, shared/) never reaches the kernel. */
const isImported = (path: string): boolean => path.startsWith('sessions/') || path.startsWith('shared/');

const early: RunEvent[] = [];
const runModels = new Map<RunId, { model: monaco.editor.ITextModel; filename: string; lab?: string | undefined }>();

/**
 * Runs the file in the editor; with `labId`, as a submission of that lab (checked when it ends), with `labSeed`, the
 * student's own seed of a seeded lab. A plain Run of an open seeded lab's file gets that variant's lab.params too.
 */
async function run(labId?: string, labSeed?: number): Promise<void> {
  if (currentRun || runBtn.disabled) return;
  const model = editor.getModel();
  if (!model) return;
  // A lab's C file is no script: its Run is the lab's check (the lab's C driver compiles and loads it).
  if (!labId && isCFile(files.current)) {
    labId = labs?.labOf(files.current);
    labSeed = labId ? labs?.variantSeed() : undefined;
  }
  // A script that names the kernel calls: ask before it runs rather than fail its first call.
  if (
    kernelAccess === 'unasked' &&
    !labId &&
    !isImported(files.current) &&
    /\bkernel_(verify|test_run)\b/.test(model.getValue())
  ) {
    runBtn.disabled = true;
    try {
      await ensureKernelAccess();
    } finally {
      runBtn.disabled = false;
    }
  }
  setRunMarker(model, undefined);
  setCompilerMarkers(model, []);
  consoleView.clear();
  results.clear();
  memory.reset();
  const path = files.current;
  const variant = labId ? undefined : labs?.variantFor(path);
  const seed = labSeed ?? variant?.seed ?? Number(seedInput.value) >>> 0;
  const filename = path.split('/').pop() ?? path;
  consoleView.meta(`${labId ? `✓ checking ${path} against the lab ${labId}` : `▶ ${path}`} (seed ${seed})`);
  if (labId) {
    labs?.checking(labId);
    selectTab('lab');
  }
  record = runs.start(path, seed);
  shown = record;
  machinePicked = false;
  renderMachineSelect();
  showMachine();
  setRunning(true);
  setStatus('running…');
  try {
    const { runId } = await lab.run({
      code: model.getValue(),
      filename,
      language: languageOf(path),
      seed,
      limits: { timeoutMs: Number(timeoutSelect.value) },
      ...(labId ? { lab: labId } : {}),
      ...(variant ? { params: variant.params } : {}),
      ...(isImported(path) ? { imported: true } : {}),
    });
    currentRun = runId;
    runModels.set(runId, { model, filename, lab: labId });
  } catch (e) {
    consoleView.meta(`cannot run: ${(e as Error).message}`);
    if (labId)
      labs?.finished(labId, {
        type: 'done',
        runId: 'run-none',
        ok: false,
        error: { kind: 'internal', name: 'Error', message: (e as Error).message },
        stats: { durationMs: 0, outputBytes: 0, memoryBytes: 0 },
      });
    setRunning(false);
    setStatus('ready');
  }
  flushEarly();
}

let machineFrame = 0;
function onEvent(event: RunEvent): void {
  if (event.type === 'kernelAccess') {
    // A kernel call of this session before anyone answered: it failed with EPERM; ask now for the next run.
    void ensureKernelAccess();
    return;
  }
  if (event.runId !== currentRun) {
    // Events can arrive before run() has learnt its runId; keep them until it has.
    if (!currentRun && early.length < 10_000) early.push(event);
    return;
  }
  const rec = record!;
  switch (event.type) {
    case 'output':
      // While an older run is shown, the current one's output is kept in its record only.
      if (shown === rec) consoleView.output(event.stream, event.text);
      rec.lines.push({ stream: event.stream, text: event.text });
      break;
    case 'queued':
      setStatus(event.message);
      break;
    case 'progress':
      if (event.fraction !== undefined) progressEl.value = event.fraction;
      setStatus(`${event.fraction !== undefined ? Math.round(event.fraction * 100) + '% ' : ''}${event.message}`);
      break;
    case 'chart':
      rec.results.charts.push(event.chart);
      if (shown === rec) results.addChart(event.chart);
      break;
    case 'table':
      rec.results.tables.push(event.table);
      if (shown === rec) results.addTable(event.table);
      break;
    case 'machine':
      rec.machines.set(event.state.index, keepBpfDetails(rec.machines.get(event.state.index), event.state));
      if (shown === rec) {
        memory.record(event.state);
        // Coalesce bursts of machine events into one redraw per frame.
        if (!machineFrame) {
          machineFrame = requestAnimationFrame(() => {
            machineFrame = 0;
            if (shown !== rec) return;
            performance.mark('panels-start');
            renderMachineSelect();
            showMachine();
            performance.measure('panels-update', 'panels-start');
          });
        }
      }
      break;
    case 'done': {
      const info = runModels.get(event.runId);
      runModels.delete(event.runId);
      if (shown === rec) {
        consoleView.done(event, info?.filename ?? files.current);
        if (event.result !== undefined && event.result !== null) results.setResult(event.result);
      }
      runs.finish(rec, event);
      if (info?.lab) labs?.finished(info.lab, event);
      const loc = event.error?.location;
      // A C file's run: clang's diagnostics in its output, marked at their C lines.
      if (info && isCFile(info.filename))
        setCompilerMarkers(info.model, cDiagnosticsOf(rec.lines.map((l) => l.text).join(''), info.filename));
      if (info && loc && loc.file === info.filename) {
        setRunMarker(info.model, {
          line: loc.line,
          column: loc.column,
          message: `${event.error!.name}: ${event.error!.message}`,
        });
      }
      currentRun = undefined;
      setRunning(false);
      setStatus(
        event.ok
          ? `done in ${(event.stats.durationMs / 1000).toFixed(2)} s`
          : event.error?.kind === 'stopped'
            ? 'stopped'
            : 'failed',
      );
      break;
    }
  }
}

function flushEarly(): void {
  const events = early.splice(0);
  for (const e of events) onEvent(e);
}

async function stop(): Promise<void> {
  if (!currentRun) return;
  setStatus('stopping…');
  await lab.stop(currentRun);
}

// ---- controls and shortcuts ----
runBtn.addEventListener('click', () => void run());
stopBtn.addEventListener('click', () => void stop());
$('save').addEventListener('click', () => void files.save());
$('new-file').addEventListener('click', () => void files.newFile());
$('save-as').addEventListener('click', () => void files.saveAs());
$('rename-file').addEventListener('click', () => void files.rename());
$('delete-file').addEventListener('click', () => void files.remove());
$('choose-workspace').addEventListener('click', () => void chooseWorkspace());

/** "Choose workspace folder…" (Electron: the button and the File menu): edits saved, the new folder's files listed. */
async function chooseWorkspace(): Promise<void> {
  if (!files) return;
  try {
    if (await files.switchWorkspace(() => lab.chooseWorkspace())) showWorkspace((await lab.hostInfo()).workspace);
  } catch (e) {
    consoleView.meta(`cannot change the workspace folder: ${(e as Error).message}`);
  }
}

function showWorkspace(root: string): void {
  const btn = $('choose-workspace');
  btn.title = `Choose workspace folder… (now ${root})`;
  btn.dataset.workspace = root;
}
/** Search across the workspace, with the editor's selection as the query when there is one. */
function findInFiles(): void {
  selectTab('search');
  const sel = editor.getSelection();
  search.focus(sel && !sel.isEmpty() ? editor.getModel()?.getValueInRange(sel) : undefined);
}
editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyMod.Shift | monaco.KeyCode.KeyF, findInFiles);
editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => void run());
editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => void files.save());
editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyMod.Shift | monaco.KeyCode.KeyS, () => void files.saveAs());
window.addEventListener('keydown', (e) => {
  const mod = e.ctrlKey || e.metaKey;
  if ((mod && e.key === 'Enter') || (e.key === 'F5' && !e.shiftKey)) {
    e.preventDefault();
    void run();
  } else if (e.key === 'F5' && e.shiftKey) {
    e.preventDefault();
    void stop();
  } else if (mod && !e.shiftKey && e.key.toLowerCase() === 's') {
    e.preventDefault();
    void files.save();
  } else if (e.altKey && /^[1-9]$/.test(e.key)) {
    e.preventDefault();
    selectTab(tabs[Number(e.key) - 1]!.dataset.tab!);
    if (tabs[Number(e.key) - 1]!.dataset.tab === 'search') search.focus();
  } else if (mod && e.shiftKey && e.key.toLowerCase() === 'f') {
    e.preventDefault();
    findInFiles();
  }
});

for (const [btnId, listId] of [
  ['examples-menu', 'examples-list'],
  ['recent-menu', 'recent-list'],
  ['tabs-menu', 'tabs-list'],
  ['share-menu', 'share-list'],
  ['session-import', 'open-list'],
] as const) {
  const btn = $(btnId);
  const list = $(listId);
  const close = (): void => {
    list.hidden = true;
    btn.setAttribute('aria-expanded', 'false');
  };
  btn.addEventListener('click', (e) => {
    e.stopPropagation();
    const open = list.hidden;
    for (const l of document.querySelectorAll<HTMLElement>('.menu-list')) l.hidden = true;
    list.hidden = !open;
    btn.setAttribute('aria-expanded', String(open));
  });
  list.addEventListener('click', close);
  list.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') (e.target as HTMLElement).click();
    if (e.key === 'Escape') close();
  });
  document.addEventListener('click', close);
}

// ---- sessions ----
$('session-export').addEventListener('click', () => {
  const model = editor.getModel();
  if (!model) return;
  const last = [...runs.runs].reverse().find((r) => r.file === files.current && r.done);
  exportSession({
    file: files.current,
    code: model.getValue(),
    seed: Number(seedInput.value) >>> 0,
    timeoutMs: Number(timeoutSelect.value),
    layout: loadLayout(),
    run: last && {
      file: last.file,
      seed: last.seed,
      started: last.started,
      lines: last.lines,
      results: last.results,
      done: last.done,
    },
  });
});
$('share-link').addEventListener('click', () => void copyShareLink());
$('open-link').addEventListener('click', () => void openLinkDialog());

/** Copies a link that opens this script, seed and timeout in any Kernel Lab (and shows it in the console). */
async function copyShareLink(): Promise<void> {
  const model = editor.getModel();
  if (!model) return;
  const fragment = await encodeShare({
    file: files.current,
    code: model.getValue(),
    seed: Number(seedInput.value) >>> 0,
    timeoutMs: Number(timeoutSelect.value),
  });
  const link = linkTo(location, fragment);
  if (link.length > MAX_LINK_CHARS) {
    consoleView.meta(
      `${files.current} is too long for a link (${link.length} characters): save a session file instead`,
    );
    return;
  }
  $('share-link').dataset.link = link;
  let copied = false;
  try {
    await navigator.clipboard.writeText(link);
    copied = true;
  } catch {
    // No clipboard permission (or not focused): the console line still holds the link to copy by hand.
  }
  selectTab('console');
  consoleView.meta(`${copied ? 'copied a link to' : 'a link to'} ${files.current} (seed ${seedInput.value}): ${link}`);
}

async function openLinkDialog(): Promise<void> {
  let shared: SharedScript | undefined;
  const text = await askName('Paste a Kernel Lab link (or its #share=… part):', '', (t) =>
    shareFragment(t) === undefined ? 'not a Kernel Lab link: it has no #share=1. part' : undefined,
  );
  if (text === undefined) return;
  try {
    shared = await decodeShare(text);
  } catch (e) {
    consoleView.meta(`cannot open the link: ${(e as Error).message}`);
    return;
  }
  await openShared(shared, 'a shared link');
}

/** Opens a shared script as a new workspace file with its seed and timeout; it runs only when Run is pressed. */
async function openShared(s: SharedScript, from: string): Promise<void> {
  const name = await openScript('shared', s);
  consoleView.meta(`opened ${from} as ${name} (seed ${s.seed}): press Run to run it`);
}

/** Opens a session's or a link's script as a new file under `folder`, with its seed and timeout on the toolbar. */
async function openScript(folder: 'sessions' | 'shared', s: SharedScript): Promise<string> {
  const name = await files.openNew(`${folder}/${s.file}`, s.code);
  seedInput.value = String(s.seed);
  if ([...timeoutSelect.options].some((o) => o.value === String(s.timeoutMs)))
    timeoutSelect.value = String(s.timeoutMs);
  void labs?.refreshVariant();
  return name;
}

/** A link opened as this page's address (`…#share=1.…`): opened once, then the fragment is dropped. */
async function openSharedFromAddress(): Promise<void> {
  if (shareFragment(location.hash) === undefined) return;
  const hash = location.hash;
  history.replaceState(null, '', location.href.replace(/#.*$/, ''));
  try {
    await openShared(await decodeShare(hash), 'the shared link in the address');
  } catch (e) {
    consoleView.meta(`cannot open the link in the address: ${(e as Error).message}`);
  }
}

const sessionInput = $<HTMLInputElement>('session-file');
$('open-session-file').addEventListener('click', () => sessionInput.click());
sessionInput.addEventListener('change', () => {
  const file = sessionInput.files?.[0];
  sessionInput.value = '';
  if (!file) return;
  void (async () => {
    try {
      const s = parseSession(await file.text());
      const name = await openScript('sessions', s);
      if (s.run) showRun(runs.adopt({ ...s.run, file: name }));
      consoleView.meta(`opened the session ${file.name} as ${name}`);
    } catch (e) {
      consoleView.meta(`cannot open ${file.name}: ${(e as Error).message}`);
    }
  })();
});

$('console-clear').addEventListener('click', () => consoleView.clear());
$('console-copy').addEventListener('click', () => void navigator.clipboard?.writeText(consoleView.text()));
$('console-save').addEventListener('click', () => consoleView.save(`${shown ? `run-${shown.n}-` : ''}console.txt`));
$<HTMLInputElement>('console-filter').addEventListener('input', (e) =>
  consoleView.setFilter((e.target as HTMLInputElement).value),
);

// ---- start ----
async function start(): Promise<void> {
  setRunning(false);
  runBtn.disabled = true;
  selectTab(loadLayout().tab ?? 'console');
  try {
    lab = await connectLab();
  } catch (e) {
    setStatus('disconnected');
    consoleView.meta((e as Error).message);
    if (shareFragment(location.hash) !== undefined)
      consoleView.meta(
        'This address holds a shared script: open Kernel Lab at the address its host printed, then Open ▾ → Shared link… and paste this address.',
      );
    return;
  }
  lab.onEvent(onEvent);
  window.addEventListener('lab-disconnected', () => {
    setStatus('disconnected');
    runBtn.disabled = true;
    stopBtn.disabled = true;
    consoleView.meta(
      'The connection to the Kernel Lab host was lost: your edits are kept in this window and restored after a reload; restart the host and reload.',
    );
  });
  const info = await lab.hostInfo();
  kernelAccess = info.kernelAccess;
  $('choose-workspace').hidden = !info.canChooseWorkspace;
  showWorkspace(info.workspace);
  lab.onCommand?.((command) => {
    if (command === 'chooseWorkspace') void chooseWorkspace();
  });
  files = new Files(
    lab,
    editor,
    {
      list: $('file-list'),
      tabs: $('editor-tabs'),
      title: document.querySelector<HTMLElement>('[data-testid="file-title"]')!,
      examples: $('examples-list'),
      recent: $('recent-list'),
      tabsList: $('tabs-list'),
    },
    (msg) => consoleView.meta(msg),
  );
  await files.start();
  labs = new LabsView(
    lab,
    $('lab-list'),
    pane('lab'),
    {
      openFile: (path, content) => files.openOrCreate(path, content),
      currentFile: () => files.current,
      check: (id, seed) => void run(id, seed),
      toolbarSeed: () => Number(seedInput.value) >>> 0,
      show: () => selectTab('lab'),
    },
    $('lab-count'),
  );
  editor.onDidChangeModel(() => labs?.noteFile());
  // The editor's cursor line marks the instructions assembled from it in the BPF panel (the run's own file only).
  const markCursor = (): void =>
    bpf.markScriptLine(shown && files.current === shown.file ? editor.getPosition()?.lineNumber : undefined);
  editor.onDidChangeCursorPosition(markCursor);
  editor.onDidChangeModel(markCursor);
  seedInput.addEventListener('input', () => void labs?.refreshVariant());
  $('course-folders').addEventListener('click', () => void labs?.editCourseFolders());
  await labs.start();
  await openSharedFromAddress();
  runBtn.disabled = false;
  setStatus(`ready · ${info.host} host`);
  document.body.dataset.ready = 'true';
}

void start();

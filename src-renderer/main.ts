/** The workbench: Monaco, Run/Stop, the console, the workspace's files, and the engine panels' area. */
import type { LabApi, RunEvent, RunId } from '../src-main/contract';
import { ConsoleView } from './console-view';
import { createEditor, languageOf, modelFor, setRunMarker, monaco } from './editor';
import { connectLab } from './lab-client';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
};

const runBtn = $<HTMLButtonElement>('run');
const stopBtn = $<HTMLButtonElement>('stop');
const saveBtn = $<HTMLButtonElement>('save');
const statusEl = $('status');
const seedInput = $<HTMLInputElement>('seed');
const timeoutSelect = $<HTMLSelectElement>('timeout');
const fileList = $('file-list');
const fileTitle = document.querySelector<HTMLElement>('[data-testid="file-title"]')!;
const consoleView = new ConsoleView($('console'));
const editor = createEditor($('editor'));

const AUTOSAVE_MS = 1500;
let lab: LabApi;
let currentPath = 'scratch.js';
let currentRun: RunId | undefined;
const dirty = new Set<string>();
const saveTimers = new Map<string, ReturnType<typeof setTimeout>>();

function setStatus(text: string): void {
  statusEl.textContent = text;
}

// ---- tabs of the side area ----
for (const tab of document.querySelectorAll<HTMLButtonElement>('.tabs [data-tab]')) {
  tab.addEventListener('click', () => {
    for (const t of document.querySelectorAll('.tabs [data-tab]')) t.classList.toggle('active', t === tab);
    for (const pane of document.querySelectorAll<HTMLElement>('[data-pane]')) pane.hidden = pane.dataset.pane !== tab.dataset.tab;
  });
}
for (const panel of document.querySelectorAll<HTMLElement>('.engine-panel')) {
  const name = { memory: 'memory (direct map, page allocator)', bpf: 'BPF (verifier, iterators)', ublk: 'ublk (io_uring zero copy)' }[
    panel.dataset.pane ?? ''
  ];
  panel.textContent = `The ${name} engine is not part of this build yet: its panel appears here when it lands.`;
}

// ---- files ----
async function refreshFiles(): Promise<void> {
  const files = await lab.listFiles();
  fileList.textContent = '';
  for (const f of files) {
    const li = document.createElement('li');
    li.textContent = f.path;
    li.title = `${f.path} (${f.size} bytes)`;
    li.dataset.path = f.path;
    li.classList.toggle('active', f.path === currentPath);
    li.classList.toggle('dirty', dirty.has(f.path));
    li.addEventListener('click', () => void openFile(f.path));
    fileList.appendChild(li);
  }
}

function markFiles(): void {
  for (const li of fileList.querySelectorAll<HTMLElement>('li')) {
    li.classList.toggle('active', li.dataset.path === currentPath);
    li.classList.toggle('dirty', dirty.has(li.dataset.path ?? ''));
  }
  fileTitle.textContent = currentPath + (dirty.has(currentPath) ? ' ●' : '');
}

async function openFile(path: string): Promise<void> {
  let content = '';
  const uri = monaco.Uri.parse(`file:///workspace/${path}`);
  if (!monaco.editor.getModel(uri)) {
    try {
      content = (await lab.openFile(path)).content;
    } catch (e) {
      consoleView.meta(`cannot open ${path}: ${(e as Error).message}`);
      return;
    }
  }
  currentPath = path;
  const model = modelFor(path, content);
  editor.setModel(model);
  localStorage.setItem('kernel-lab.lastFile', path);
  markFiles();
}

async function save(path = currentPath): Promise<void> {
  const model = monaco.editor.getModel(monaco.Uri.parse(`file:///workspace/${path}`));
  if (!model) return;
  clearTimeout(saveTimers.get(path));
  saveTimers.delete(path);
  try {
    await lab.saveFile(path, model.getValue());
    dirty.delete(path);
    if (!fileList.querySelector(`li[data-path="${CSS.escape(path)}"]`)) await refreshFiles();
    markFiles();
  } catch (e) {
    consoleView.meta(`cannot save ${path}: ${(e as Error).message}`);
  }
}

editor.onDidChangeModelContent(() => {
  const path = currentPath;
  dirty.add(path);
  markFiles();
  clearTimeout(saveTimers.get(path));
  saveTimers.set(path, setTimeout(() => void save(path), AUTOSAVE_MS));
  setRunMarker(editor.getModel()!, undefined);
});

$('new-file').addEventListener('click', () => {
  const name = prompt('New file name (.js or .ts):', 'untitled.js');
  if (!name) return;
  if (!/^[\w.-]+(\/[\w.-]+)*\.(js|ts)$/.test(name) || name.split('/').includes('..')) {
    consoleView.meta(`'${name}' is not a valid script name (letters, digits, . _ -, ending in .js or .ts)`);
    return;
  }
  currentPath = name;
  editor.setModel(modelFor(name, ''));
  void save(name).then(() => refreshFiles());
});

// ---- runs ----
function setRunning(running: boolean): void {
  runBtn.disabled = running;
  stopBtn.disabled = !running;
}

async function run(): Promise<void> {
  if (currentRun) return;
  const model = editor.getModel();
  if (!model) return;
  setRunMarker(model, undefined);
  consoleView.clear();
  const seed = Number(seedInput.value) >>> 0;
  const filename = currentPath.split('/').pop() ?? currentPath;
  consoleView.meta(`▶ ${currentPath} (seed ${seed})`);
  setRunning(true);
  setStatus('running…');
  try {
    const { runId } = await lab.run({
      code: model.getValue(),
      filename,
      language: languageOf(currentPath),
      seed,
      limits: { timeoutMs: Number(timeoutSelect.value) },
    });
    currentRun = runId;
    runModels.set(runId, { model, filename });
  } catch (e) {
    consoleView.meta(`cannot run: ${(e as Error).message}`);
    setRunning(false);
    setStatus('ready');
  }
}

const runModels = new Map<RunId, { model: monaco.editor.ITextModel; filename: string }>();
const early: RunEvent[] = [];

function onEvent(event: RunEvent): void {
  if (event.runId !== currentRun) {
    // Events can arrive before run() has learnt its runId; keep them until it has.
    if (!currentRun && early.length < 10_000) early.push(event);
    return;
  }
  switch (event.type) {
    case 'output':
      consoleView.output(event.stream, event.text);
      break;
    case 'progress':
      setStatus(`${event.fraction !== undefined ? Math.round(event.fraction * 100) + '% ' : ''}${event.message}`);
      break;
    case 'done': {
      const info = runModels.get(event.runId);
      runModels.delete(event.runId);
      consoleView.done(event, info?.filename ?? currentPath);
      const loc = event.error?.location;
      if (info && loc && loc.file === info.filename) {
        setRunMarker(info.model, { line: loc.line, column: loc.column, message: `${event.error!.name}: ${event.error!.message}` });
      }
      currentRun = undefined;
      setRunning(false);
      setStatus(event.ok ? `done in ${(event.stats.durationMs / 1000).toFixed(2)} s` : event.error?.kind === 'stopped' ? 'stopped' : 'failed');
      break;
    }
  }
}

async function stop(): Promise<void> {
  if (!currentRun) return;
  setStatus('stopping…');
  await lab.stop(currentRun);
}

runBtn.addEventListener('click', () => void run().then(flushEarly));
stopBtn.addEventListener('click', () => void stop());
saveBtn.addEventListener('click', () => void save());
editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => void run().then(flushEarly));
editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => void save());
window.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
    e.preventDefault();
    void run().then(flushEarly);
  }
});

function flushEarly(): void {
  const events = early.splice(0);
  for (const e of events) onEvent(e);
}

// ---- console controls ----
$('console-clear').addEventListener('click', () => consoleView.clear());
$('console-copy').addEventListener('click', () => void navigator.clipboard?.writeText(consoleView.text()));
$<HTMLInputElement>('console-filter').addEventListener('input', (e) => consoleView.setFilter((e.target as HTMLInputElement).value));

// ---- start ----
async function start(): Promise<void> {
  setRunning(false);
  runBtn.disabled = true;
  try {
    lab = await connectLab();
  } catch (e) {
    setStatus('disconnected');
    consoleView.meta((e as Error).message);
    return;
  }
  lab.onEvent(onEvent);
  window.addEventListener('lab-disconnected', () => {
    setStatus('disconnected');
    runBtn.disabled = true;
    stopBtn.disabled = true;
    consoleView.meta('The connection to the Kernel Lab host was lost: your edits are in the editor; restart the host and reload.');
  });
  const info = await lab.hostInfo();
  await refreshFiles();
  const files = Array.from(fileList.querySelectorAll<HTMLElement>('li')).map((li) => li.dataset.path!);
  const last = localStorage.getItem('kernel-lab.lastFile');
  const first = last && files.includes(last) ? last : files[0];
  if (first) await openFile(first);
  else {
    editor.setModel(modelFor(currentPath, "print('hello from Kernel Lab');\n"));
    markFiles();
  }
  runBtn.disabled = false;
  setStatus(`ready · ${info.host} host`);
  document.body.dataset.ready = 'true';
}

void start();

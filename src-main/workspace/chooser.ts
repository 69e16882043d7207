/**
 * Which folder is the workspace (Electron): a default, the user's choice from a folder dialog, and that choice kept
 * in a small settings file in the app's data folder. No Electron import here: main.ts passes in the paths and the
 * dialog, so that all of this is unit-tested under Node.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { Workspace, WorkspaceError } from './workspace';

/** The settings file's name inside the app's data folder (Electron's userData). */
export const SETTINGS_FILE = 'settings.json';

const AbsolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => path.isAbsolute(p), 'an absolute path');

/** The most course folders the settings keep. */
export const COURSE_FOLDERS_MAX = 32;

export const SettingsSchema = z
  .object({
    version: z.literal(1),
    /** The chosen workspace folder, absolute (Electron; the browser host takes --workspace). */
    workspace: AbsolutePath.optional(),
    /** Course folders of labs added in the app (the lab list's setting), absolute, in the order added. */
    courseFolders: z.array(AbsolutePath).max(COURSE_FOLDERS_MAX).optional(),
  })
  .strict();
export type Settings = z.infer<typeof SettingsSchema>;

/** Reads the settings file: none when it does not exist; `problem` says why a file that exists cannot be used. */
export async function readSettings(file: string): Promise<{ settings?: Settings; problem?: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    return { problem: `cannot read ${file}: ${(e as Error).message}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: `${file} is not JSON` };
  }
  const parsed = SettingsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { problem: `${file}: ${issue?.path.join('.') || 'settings'}: ${issue?.message ?? 'invalid'}` };
  }
  return { settings: parsed.data };
}

let updates: Promise<unknown> = Promise.resolve();

/**
 * Changes some fields of the settings file and keeps the others (the workspace and the course folders are set by
 * different actions). Updates of one process go one at a time. A file that cannot be used is not overwritten.
 */
export function updateSettings(file: string, patch: Partial<Omit<Settings, 'version'>>): Promise<Settings> {
  const next = updates.then(async () => {
    const { settings, problem } = await readSettings(file);
    if (problem) throw new Error(`${problem}: fix or remove it, then try again`);
    const merged: Settings = { ...(settings ?? { version: 1 }), ...patch, version: 1 };
    await writeSettings(file, merged);
    return merged;
  });
  updates = next.catch(() => {});
  return next;
}

/** Writes the settings file atomically: a temporary file beside it, then a rename over it. */
export async function writeSettings(file: string, settings: Settings): Promise<void> {
  const valid = SettingsSchema.parse(settings);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(valid, null, 2) + '\n', { encoding: 'utf8', flush: true });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Why `dir` cannot be a workspace (relative, the filesystem's root, an existing file), or undefined when it can. */
export async function unusableFolder(dir: string): Promise<string | undefined> {
  if (!path.isAbsolute(dir)) return `'${dir}' is not an absolute path`;
  const abs = path.resolve(dir);
  if (path.dirname(abs) === abs) return `'${abs}' is the root of a filesystem`;
  try {
    if (!(await stat(abs)).isDirectory()) return `'${abs}' is a file, not a folder`;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return `cannot use '${abs}': ${(e as Error).message}`;
  }
  return undefined;
}

export interface InitialWorkspace {
  dir: string;
  /** env: $KERNEL_LAB_WORKSPACE (wins over the saved choice); settings: the saved choice; default otherwise. */
  source: 'env' | 'settings' | 'default';
  /** Why the saved choice was not used. */
  warning?: string;
}

/** The folder to open at start-up: $KERNEL_LAB_WORKSPACE, else the saved choice if still usable, else the default. */
export async function initialWorkspaceDir(opts: {
  env?: string | undefined;
  settingsFile: string;
  defaultDir: string;
}): Promise<InitialWorkspace> {
  if (opts.env) return { dir: path.resolve(opts.env), source: 'env' };
  const { settings, problem } = await readSettings(opts.settingsFile);
  if (problem)
    return {
      dir: opts.defaultDir,
      source: 'default',
      warning: `${problem}; using the default workspace ${opts.defaultDir}`,
    };
  if (!settings?.workspace) return { dir: opts.defaultDir, source: 'default' };
  let why = await unusableFolder(settings.workspace);
  if (!why) {
    try {
      await stat(settings.workspace);
    } catch {
      why = `the saved workspace ${settings.workspace} no longer exists`;
    }
  }
  if (why)
    return {
      dir: opts.defaultDir,
      source: 'default',
      warning: `${why}; using the default workspace ${opts.defaultDir}`,
    };
  return { dir: settings.workspace, source: 'settings' };
}

/** Asks the user for a folder, starting at `current`; undefined when they cancel. */
export type FolderPicker = (current: string) => Promise<string | undefined>;

export interface ChooseResult {
  /** The workspace folder after the call. */
  workspace: string;
  /** False when the user cancelled or picked the folder already open. */
  changed: boolean;
}

/** The current workspace of the app, and the "Choose workspace folder…" action that changes and remembers it. */
export class WorkspaceChooser {
  private inFlight: Promise<ChooseResult> | undefined;
  private readonly listeners = new Set<(ws: Workspace) => void>();

  private constructor(
    private ws: Workspace,
    private readonly settingsFile: string,
  ) {}

  /** Opens the start-up workspace (see initialWorkspaceDir). */
  static async start(opts: {
    env?: string | undefined;
    settingsFile: string;
    defaultDir: string;
  }): Promise<{ chooser: WorkspaceChooser; initial: InitialWorkspace }> {
    const initial = await initialWorkspaceDir(opts);
    return { chooser: new WorkspaceChooser(await Workspace.open(initial.dir), opts.settingsFile), initial };
  }

  get current(): Workspace {
    return this.ws;
  }

  /** Calls `listener` with the new workspace after each change; returns the unsubscribe function. */
  onChange(listener: (ws: Workspace) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Lets the user pick a folder, opens it as the workspace (creating it if needed) and saves the choice. One dialog
   * at a time: a second call while one is open gets the first one's answer.
   */
  choose(pick: FolderPicker): Promise<ChooseResult> {
    this.inFlight ??= this.chooseNow(pick).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async chooseNow(pick: FolderPicker): Promise<ChooseResult> {
    const dir = await pick(this.ws.root);
    if (dir === undefined) return { workspace: this.ws.root, changed: false };
    const why = await unusableFolder(dir);
    if (why) throw new WorkspaceError('EINVAL', `cannot use this folder as the workspace: ${why}`);
    const next = await Workspace.open(path.resolve(dir));
    if (next.root === this.ws.root) return { workspace: this.ws.root, changed: false };
    await updateSettings(this.settingsFile, { workspace: next.root });
    this.ws = next;
    for (const l of this.listeners) l(next);
    return { workspace: next.root, changed: true };
  }
}

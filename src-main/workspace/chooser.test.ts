import { mkdir, mkdtemp, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  SETTINGS_FILE,
  WorkspaceChooser,
  initialWorkspaceDir,
  readSettings,
  unusableFolder,
  writeSettings,
} from './chooser';
import { WorkspaceError } from './workspace';

async function setup(): Promise<{ base: string; settingsFile: string; defaultDir: string }> {
  const base = await realpath(await mkdtemp(path.join(tmpdir(), 'kl-choose-')));
  return {
    base,
    settingsFile: path.join(base, 'userData', SETTINGS_FILE),
    defaultDir: path.join(base, 'Documents', 'Kernel Lab'),
  };
}

describe('workspace settings file', () => {
  it('round-trips, written atomically (no temporary file left)', async () => {
    const { base, settingsFile } = await setup();
    await writeSettings(settingsFile, { version: 1, workspace: path.join(base, 'w') });
    expect(await readSettings(settingsFile)).toEqual({ settings: { version: 1, workspace: path.join(base, 'w') } });
    expect(await readdir(path.dirname(settingsFile))).toEqual([SETTINGS_FILE]);
    expect(JSON.parse(await readFile(settingsFile, 'utf8'))).toEqual({ version: 1, workspace: path.join(base, 'w') });
  });

  it('no file is no settings; a corrupt or invalid file is a problem, named', async () => {
    const { settingsFile } = await setup();
    expect(await readSettings(settingsFile)).toEqual({});
    await mkdir(path.dirname(settingsFile), { recursive: true });
    await writeFile(settingsFile, '{"version": 1, "workspace": "/tmp/x"');
    expect((await readSettings(settingsFile)).problem).toMatch(/is not JSON$/);
    await writeFile(settingsFile, '{"version": 1, "workspace": "relative/dir"}');
    expect((await readSettings(settingsFile)).problem).toMatch(/workspace: an absolute path$/);
    await writeFile(settingsFile, '{"version": 2, "workspace": "/tmp/x"}');
    expect((await readSettings(settingsFile)).problem).toMatch(/version/);
    await writeFile(settingsFile, '{"version": 1, "workspace": "/tmp/x", "extra": true}');
    expect((await readSettings(settingsFile)).problem).toMatch(/extra|Unrecognized/i);
    await expect(writeSettings(settingsFile, { version: 1, workspace: 'rel' })).rejects.toThrow(/absolute/);
  });

  it('refuses relative paths, the filesystem root and files as workspace folders', async () => {
    const { base } = await setup();
    await writeFile(path.join(base, 'f'), 'x');
    expect(await unusableFolder('ws')).toMatch(/not an absolute path/);
    expect(await unusableFolder('/')).toMatch(/root of a filesystem/);
    expect(await unusableFolder(path.join(base, 'f'))).toMatch(/is a file, not a folder/);
    expect(await unusableFolder(path.join(base, 'new', 'folder'))).toBeUndefined();
    expect(await unusableFolder(base)).toBeUndefined();
  });
});

describe('the start-up workspace', () => {
  it('is the default (Documents/Kernel Lab) without settings, the saved folder with them, $KERNEL_LAB_WORKSPACE above both', async () => {
    const { base, settingsFile, defaultDir } = await setup();
    expect(await initialWorkspaceDir({ settingsFile, defaultDir })).toEqual({ dir: defaultDir, source: 'default' });
    const saved = path.join(base, 'mine');
    await mkdir(saved);
    await writeSettings(settingsFile, { version: 1, workspace: saved });
    expect(await initialWorkspaceDir({ settingsFile, defaultDir })).toEqual({ dir: saved, source: 'settings' });
    expect(await initialWorkspaceDir({ env: path.join(base, 'e2e'), settingsFile, defaultDir })).toEqual({
      dir: path.join(base, 'e2e'),
      source: 'env',
    });
  });

  it('falls back to the default, with a warning, when the file is corrupt or the saved folder is gone', async () => {
    const { base, settingsFile, defaultDir } = await setup();
    await mkdir(path.dirname(settingsFile), { recursive: true });
    await writeFile(settingsFile, 'garbage');
    const corrupt = await initialWorkspaceDir({ settingsFile, defaultDir });
    expect(corrupt.dir).toBe(defaultDir);
    expect(corrupt.warning).toMatch(/is not JSON; using the default workspace/);
    await writeSettings(settingsFile, { version: 1, workspace: path.join(base, 'gone') });
    const gone = await initialWorkspaceDir({ settingsFile, defaultDir });
    expect(gone).toEqual({
      dir: defaultDir,
      source: 'default',
      warning: `the saved workspace ${path.join(base, 'gone')} no longer exists; using the default workspace ${defaultDir}`,
    });
  });
});

describe('choosing the workspace folder', () => {
  it('opens the picked folder, saves the choice, tells the listeners; the next start opens it', async () => {
    const { base, settingsFile, defaultDir } = await setup();
    const { chooser, initial } = await WorkspaceChooser.start({ settingsFile, defaultDir });
    expect(initial.source).toBe('default');
    expect(chooser.current.root).toBe(defaultDir);
    expect((await chooser.current.list()).map((f) => f.path)).toEqual(['hello.js']);
    const seen: string[] = [];
    chooser.onChange((ws) => seen.push(ws.root));
    const picked = path.join(base, 'projects', 'lab');
    let askedAt = '';
    const r = await chooser.choose(async (cur) => {
      askedAt = cur;
      return picked;
    });
    expect(askedAt).toBe(defaultDir);
    expect(r).toEqual({ workspace: picked, changed: true });
    expect(chooser.current.root).toBe(picked);
    expect(seen).toEqual([picked]);
    expect((await readSettings(settingsFile)).settings).toEqual({ version: 1, workspace: picked });
    const again = await WorkspaceChooser.start({ settingsFile, defaultDir });
    expect(again.initial.source).toBe('settings');
    expect(again.chooser.current.root).toBe(picked);
  });

  it('a cancelled dialog or the same folder changes nothing; an unusable folder is refused and nothing is saved', async () => {
    const { base, settingsFile, defaultDir } = await setup();
    const { chooser } = await WorkspaceChooser.start({ settingsFile, defaultDir });
    expect(await chooser.choose(async () => undefined)).toEqual({ workspace: defaultDir, changed: false });
    expect(await chooser.choose(async () => defaultDir)).toEqual({ workspace: defaultDir, changed: false });
    await writeFile(path.join(base, 'file'), 'x');
    await expect(chooser.choose(async () => path.join(base, 'file'))).rejects.toThrow(WorkspaceError);
    await expect(chooser.choose(async () => 'relative')).rejects.toThrow(/not an absolute path/);
    expect(chooser.current.root).toBe(defaultDir);
    expect(await readSettings(settingsFile)).toEqual({});
  });

  it('one dialog at a time: a second call while the first is open gets its answer', async () => {
    const { base, settingsFile, defaultDir } = await setup();
    const { chooser } = await WorkspaceChooser.start({ settingsFile, defaultDir });
    let opened = 0;
    let answer: (dir: string) => void = () => {};
    const pick = (): Promise<string> => {
      opened++;
      return new Promise((resolve) => (answer = resolve));
    };
    const a = chooser.choose(pick);
    const b = chooser.choose(pick);
    answer(path.join(base, 'x'));
    expect(await a).toEqual({ workspace: path.join(base, 'x'), changed: true });
    expect(await b).toEqual({ workspace: path.join(base, 'x'), changed: true });
    expect(opened).toBe(1);
  });
});

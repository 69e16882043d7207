/**
 * The app's course folders setting: added through the contract, kept in settings.json beside the workspace choice,
 * seen by the lab list (marked with their folder) and by a lab run, and refused with a clear error when unusable.
 */
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CourseFolderList, LabInfo } from '../contract';
import { RpcServer } from '../rpc';
import { Workspace } from '../workspace/workspace';
import { readSettings, updateSettings, WorkspaceChooser } from '../workspace/chooser';
import { CourseFolders, usableCourseFolder } from './course-folders';
import { labsDir, setSettingsCourseDirs } from './labs';
import { labParams, seedFromName } from './params';
import { scaffoldLab } from './scaffold';

let base: string;
let course: string;
let settingsFile: string;
beforeAll(async () => {
  base = await realpath(await mkdtemp(path.join(tmpdir(), 'kl-course-folders-')));
  course = path.join(base, 'my-course');
  await scaffoldLab(path.join(course, '30-own-pages'));
  // A broken lab beside it: listed as the folder's problem, never hiding the good one.
  await mkdir(path.join(course, '31-broken'));
  await writeFile(path.join(course, '31-broken', 'lab.json'), '{"title": ');
  settingsFile = path.join(base, 'config', 'settings.json');
});
afterAll(async () => {
  setSettingsCourseDirs([]);
  await rm(base, { recursive: true, force: true });
});

async function rpcWith(folders: CourseFolders): Promise<RpcServer> {
  const ws = await Workspace.open(path.join(base, 'ws'));
  return new RpcServer({ host: 'browser', version: 't', workspace: ws, courseFolders: folders }, () => {});
}

describe('course folders added in the app', () => {
  it('adds a folder through the contract: its labs join the list, marked with the folder, and it is saved', async () => {
    const { folders, warning } = await CourseFolders.open(settingsFile);
    expect(warning).toBeUndefined();
    const rpc = await rpcWith(folders);
    try {
      const before = (await rpc.call('listLabs', [])) as LabInfo[];
      expect(before.some((l) => l.id === '30-own-pages')).toBe(false);
      const got = (await rpc.call('addCourseFolder', [course])) as CourseFolderList;
      expect(got.settingsFile).toBe(settingsFile);
      const mine = got.folders.find((f) => f.path === course)!;
      expect(mine).toMatchObject({ origin: 'settings', labs: 1 });
      expect(mine.problems.join('\n')).toContain(path.join(course, '31-broken', 'lab.json'));
      const labs = (await rpc.call('listLabs', [])) as LabInfo[];
      expect(labs.find((l) => l.id === '30-own-pages')).toMatchObject({
        source: course,
        params: { pages: { int: [2, 9] } },
      });
      expect(labs.find((l) => l.id === '01-secretmem-split')?.source).toBe('built-in');
      expect((await readSettings(settingsFile)).settings).toEqual({ version: 1, courseFolders: [course] });
      // A lab of the folder opens like a built-in one.
      expect(((await rpc.call('openLab', ['30-own-pages'])) as { starterName: string }).starterName).toBe('starter.js');
    } finally {
      await rpc.dispose();
    }
  });

  it('is read back at the next start, and removed through the contract', async () => {
    setSettingsCourseDirs([]);
    const { folders } = await CourseFolders.open(settingsFile);
    const rpc = await rpcWith(folders);
    try {
      expect(((await rpc.call('listLabs', [])) as LabInfo[]).some((l) => l.id === '30-own-pages')).toBe(true);
      const got = (await rpc.call('removeCourseFolder', [course + '/'])) as CourseFolderList;
      expect(got.folders.some((f) => f.path === course)).toBe(false);
      expect(((await rpc.call('listLabs', [])) as LabInfo[]).some((l) => l.id === '30-own-pages')).toBe(false);
      expect((await readSettings(settingsFile)).settings).toEqual({ version: 1, courseFolders: [] });
      await expect(rpc.call('removeCourseFolder', [course])).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await rpc.dispose();
    }
  });

  it('refuses relative paths, missing folders, files, the built-in labs and a folder added twice, with why', async () => {
    await expect(usableCourseFolder('course')).rejects.toMatchObject({
      code: 'EINVAL',
      message: /'course' is not an absolute path/,
    });
    await expect(usableCourseFolder('')).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(usableCourseFolder(path.join(base, 'gone'))).rejects.toMatchObject({
      code: 'ENOENT',
      message: `${path.join(base, 'gone')}: no such folder`,
    });
    await writeFile(path.join(base, 'a-file'), 'x');
    await expect(usableCourseFolder(path.join(base, 'a-file'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(usableCourseFolder(labsDir())).rejects.toMatchObject({ message: /built-in labs/ });
    const { folders } = await CourseFolders.open(settingsFile);
    await folders.add(course);
    await expect(folders.add(course + '/.')).rejects.toMatchObject({ code: 'EEXIST' });
    await folders.remove(course);
  });

  it('keeps the workspace choice and the course folders side by side in settings.json', async () => {
    const file = path.join(base, 'both', 'settings.json');
    const { chooser } = await WorkspaceChooser.start({ settingsFile: file, defaultDir: path.join(base, 'def') });
    const { folders } = await CourseFolders.open(file);
    await folders.add(course);
    await chooser.choose(async () => path.join(base, 'picked'));
    expect((await readSettings(file)).settings).toEqual({
      version: 1,
      workspace: path.join(base, 'picked'),
      courseFolders: [course],
    });
    await folders.remove(course);
    expect((await readSettings(file)).settings).toEqual({
      version: 1,
      workspace: path.join(base, 'picked'),
      courseFolders: [],
    });
  });

  it('leaves a settings file it cannot read alone, and says why', async () => {
    const file = path.join(base, 'bad', 'settings.json');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '{"version": 1, "courseFolders": ["relative"]}');
    const { folders, warning } = await CourseFolders.open(file);
    expect(warning).toMatch(/courseFolders\.0: an absolute path; the course folders saved there are not used/);
    await expect(folders.add(course)).rejects.toThrow(/fix or remove it/);
    expect(await readFile(file, 'utf8')).toBe('{"version": 1, "courseFolders": ["relative"]}');
    await expect(updateSettings(file, { courseFolders: [] })).rejects.toThrow(/an absolute path/);
  });

  it('a host without the setting answers ENOTSUP', async () => {
    const rpc = new RpcServer(
      { host: 'browser', version: 't', workspace: await Workspace.open(path.join(base, 'ws2')) },
      () => {},
    );
    await expect(rpc.call('courseFolders', [])).rejects.toMatchObject({ code: 'ENOTSUP' });
    await rpc.dispose();
  });
});

describe("a student's variant (labVariant)", () => {
  it('draws the same numbers as lab grade for a submission of that name, or for a seed', async () => {
    const { folders } = await CourseFolders.open(path.join(base, 'v', 'settings.json'));
    await folders.add(course);
    const rpc = await rpcWith(folders);
    try {
      const spec = { pages: { int: [2, 9] as [number, number] } };
      const byName = await rpc.call('labVariant', ['30-own-pages', { name: 'alice.js' }]);
      expect(byName).toEqual({
        seed: seedFromName('alice.js'),
        from: 'name',
        params: labParams(spec, seedFromName('alice.js')),
      });
      expect(await rpc.call('labVariant', ['30-own-pages', { name: 'alice' }])).toEqual(byName);
      expect(await rpc.call('labVariant', ['30-own-pages', { seed: 7 }])).toEqual({
        seed: 7,
        from: 'seed',
        params: labParams(spec, 7),
      });
      // Thirty students get more than one variant (the lab's pages run from 2 to 9).
      const values = new Set<unknown>();
      for (let i = 1; i <= 30; i++)
        values.add(
          ((await rpc.call('labVariant', ['30-own-pages', { name: `student${i}` }])) as { params: { pages: number } })
            .params.pages,
        );
      expect(values.size).toBeGreaterThan(3);
      // A lab without params has an empty variant; an unknown lab is an error.
      expect(await rpc.call('labVariant', ['01-secretmem-split', { seed: 3 }])).toEqual({
        seed: 3,
        from: 'seed',
        params: {},
      });
      await expect(rpc.call('labVariant', ['77-none', { seed: 3 }])).rejects.toThrow(/no lab '77-none'/);
      await expect(rpc.call('labVariant', ['30-own-pages', { seed: -1 }])).rejects.toMatchObject({ code: 'EBADARGS' });
    } finally {
      await rpc.dispose();
      await folders.remove(course);
    }
  });
});

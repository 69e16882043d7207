import { mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Workspace } from './workspace';

async function fresh(): Promise<{ ws: Workspace; dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kl-ws-'));
  return { ws: await Workspace.open(path.join(dir, 'ws')), dir };
}

describe('workspace', () => {
  it('starts with a welcome script, saves and reopens files, nested too', async () => {
    const { ws } = await fresh();
    expect((await ws.list()).map((f) => f.path)).toEqual(['hello.js']);
    await ws.save('labs/a.ts', 'print(1)');
    expect((await ws.open('labs/a.ts')).content).toBe('print(1)');
    expect((await ws.list()).map((f) => f.path)).toEqual(['hello.js', 'labs/a.ts']);
  });

  it('writes atomically, leaving no temporary files', async () => {
    const { ws } = await fresh();
    await ws.save('a.js', 'one');
    await ws.save('a.js', 'two');
    expect(await readFile(path.join(ws.root, 'a.js'), 'utf8')).toBe('two');
    expect((await readdir(ws.root)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it.each(['../escape.js', '/etc/passwd', 'a/../../x.js', '..', 'a\\..\\b'])('refuses the path %j', async (p) => {
    const { ws } = await fresh();
    await expect(ws.open(p)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(ws.save(p, 'x')).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('refuses symlinks that lead out of the workspace', async () => {
    const { ws, dir } = await fresh();
    await writeFile(path.join(dir, 'secret.txt'), 'secret');
    await symlink(path.join(dir, 'secret.txt'), path.join(ws.root, 'link.js'));
    await symlink(dir, path.join(ws.root, 'out'));
    await expect(ws.open('link.js')).rejects.toMatchObject({ code: 'EACCES' });
    await expect(ws.save('out/new.js', 'x')).rejects.toMatchObject({ code: 'EACCES' });
  });

  it('says which file is missing', async () => {
    const { ws } = await fresh();
    await expect(ws.open('nope.js')).rejects.toThrow('no such file: nope.js');
  });

  it('renames a file, into a new folder too, and refuses to overwrite or to leave the workspace', async () => {
    const { ws } = await fresh();
    await ws.save('a.js', 'A');
    await ws.save('b.js', 'B');
    expect(await ws.rename('a.js', 'sub/c.js')).toMatchObject({ path: 'sub/c.js', size: 1 });
    expect((await ws.list()).map((f) => f.path)).toEqual(['b.js', 'hello.js', 'sub/c.js']);
    expect((await ws.open('sub/c.js')).content).toBe('A');
    await expect(ws.rename('b.js', 'sub/c.js')).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(ws.rename('b.js', '../b.js')).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(ws.rename('nope.js', 'x.js')).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await ws.open('b.js')).content).toBe('B');
  });

  it('deletes a file and the folder it leaves empty, nothing else', async () => {
    const { ws } = await fresh();
    await ws.save('d/e/f.js', 'x');
    await ws.save('d/g.js', 'y');
    await ws.remove('d/e/f.js');
    expect((await ws.list()).map((f) => f.path)).toEqual(['d/g.js', 'hello.js']);
    expect(await readdir(path.join(ws.root, 'd'))).toEqual(['g.js']);
    await expect(ws.remove('d')).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(ws.remove('d/e/f.js')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(ws.remove('../x')).rejects.toMatchObject({ code: 'EINVAL' });
  });
});

import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FILE_CHUNK_CHARS, SAVE_CONFLICT } from '../contract';
import { fileVersion, TEMP_NAME_RE, Workspace } from './workspace';

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

  it('gives every save a temporary file of its own: 100 simultaneous pairs, none torn, none failed', async () => {
    const { ws } = await fresh();
    // Large enough that two writers into one temporary file would interleave their writes.
    const a = 'a'.repeat(256 << 10);
    const b = 'b'.repeat(192 << 10);
    let failed = 0;
    let torn = 0;
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const name = `pair-${i}.js`;
        const results = await Promise.allSettled([ws.save(name, a), ws.save(name, b)]);
        failed += results.filter((r) => r.status === 'rejected').length;
        const got = await readFile(path.join(ws.root, name), 'utf8');
        if (got !== a && got !== b) torn++;
      }),
    );
    expect({ failed, torn }).toEqual({ failed: 0, torn: 0 });
    expect((await readdir(ws.root)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('reads and saves with the version of the content; a save based on another version is refused', async () => {
    const { ws } = await fresh();
    const first = await ws.save('v.js', 'one');
    expect(first.version).toBe(fileVersion(Buffer.from('one')));
    const read = await ws.open('v.js');
    expect(read).toMatchObject({ content: 'one', version: first.version });
    // Tab 1 saves on top of what it read; tab 2, which read the same version, is refused and changes nothing.
    const second = await ws.save('v.js', 'two', { expected: read.version });
    expect(second.version).toBe(fileVersion(Buffer.from('two')));
    await expect(ws.save('v.js', 'three', { expected: read.version })).rejects.toMatchObject({
      code: SAVE_CONFLICT,
      message: expect.stringMatching(/changed on disk/),
    });
    expect(await readFile(path.join(ws.root, 'v.js'), 'utf8')).toBe('two');
    // Creating a file that appeared meanwhile is a conflict too; overwriting (no precondition) is not.
    await expect(ws.save('v.js', 'new', { expected: null })).rejects.toMatchObject({ code: SAVE_CONFLICT });
    expect(await ws.save('fresh.js', 'x', { expected: null })).toMatchObject({ path: 'fresh.js', size: 1 });
    expect(await ws.save('v.js', 'four')).toMatchObject({ version: fileVersion(Buffer.from('four')) });
    expect((await readdir(ws.root)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('lets exactly one of two simultaneous saves based on one version through', async () => {
    const { ws } = await fresh();
    const { version } = await ws.save('race.js', 'base');
    const results = await Promise.allSettled([
      ws.save('race.js', 'from tab 1', { expected: version }),
      ws.save('race.js', 'from tab 2', { expected: version }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const won = results.findIndex((r) => r.status === 'fulfilled');
    expect(await readFile(path.join(ws.root, 'race.js'), 'utf8')).toBe(`from tab ${won + 1}`);
  });

  it('saves in pieces, a surrogate pair split between two pieces included, and reads back in pieces', async () => {
    const { ws } = await fresh();
    const text = 'x'.repeat(9) + '\u{1d11e}' + '€'.repeat(30) + '\u{1f600}';
    const pending = await ws.beginSave('big.txt', text.length);
    // Pieces of 10 code units: the first ends inside the pair U+1D11E.
    for (let off = 0; off < text.length; off += 10)
      expect(await pending.write(off, text.slice(off, off + 10))).toBe(Math.min(off + 10, text.length));
    const entry = await pending.commit();
    const bytes = await readFile(path.join(ws.root, 'big.txt'));
    expect(bytes.equals(Buffer.from(text, 'utf8'))).toBe(true);
    expect(entry.version).toBe(fileVersion(bytes));
    let got = '';
    for (let off = 0; ;) {
      const c = await ws.readChunk('big.txt', off, entry.version, 10);
      expect(c.length).toBe(text.length);
      // A piece never ends inside a pair: its last code unit is not a high surrogate.
      expect(/[\ud800-\udbff]$/.test(c.content)).toBe(false);
      got += c.content;
      off += c.content.length;
      if (off >= c.length) break;
    }
    expect(got).toBe(text);
    await ws.save('big.txt', 'changed');
    await expect(ws.readChunk('big.txt', 0, entry.version)).rejects.toMatchObject({ code: SAVE_CONFLICT });
  });

  it('refuses pieces out of order or past the announced length, and leaves the file alone on abort', async () => {
    const { ws } = await fresh();
    await ws.save('p.js', 'old');
    // A piece out of order, past the announced length, or a commit short of it ends the save.
    const outOfOrder = await ws.beginSave('p.js', 4);
    await expect(outOfOrder.write(1, 'ab')).rejects.toThrow(/expects the piece at 0, not 1/);
    await expect(outOfOrder.write(0, 'ab')).rejects.toThrow(/has ended/);
    const tooLong = await ws.beginSave('p.js', 4);
    await tooLong.write(0, 'ab');
    await expect(tooLong.write(2, 'cde')).rejects.toThrow(/announced 4 characters; this piece would make 5/);
    const short = await ws.beginSave('p.js', 4);
    await short.write(0, 'ab');
    await expect(short.commit()).rejects.toThrow(/announced 4 characters but received 2/);
    expect(await readFile(path.join(ws.root, 'p.js'), 'utf8')).toBe('old');
    const other = await ws.beginSave('p.js', 3);
    await other.write(0, 'new');
    await other.abort();
    expect(await readFile(path.join(ws.root, 'p.js'), 'utf8')).toBe('old');
    expect((await readdir(ws.root)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('sends a file longer than one call carries to the chunked read', async () => {
    const { ws } = await fresh();
    await writeFile(path.join(ws.root, 'huge.txt'), 'y'.repeat(FILE_CHUNK_CHARS + 1));
    await expect(ws.open('huge.txt')).rejects.toMatchObject({
      code: 'EFBIG',
      message: expect.stringMatching(/readFileChunk/),
    });
    expect((await ws.readChunk('huge.txt', 0)).content.length).toBe(FILE_CHUNK_CHARS);
    expect(await ws.readChunk('huge.txt', FILE_CHUNK_CHARS)).toMatchObject({ content: 'y', offset: FILE_CHUNK_CHARS });
  });

  it('removes leftover temporary files of dead processes at start, and nothing else', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kl-ws-'));
    const root = path.join(dir, 'ws');
    await mkdir(path.join(root, 'sub'), { recursive: true });
    // pid 4194305 is past Linux's PID_MAX_LIMIT (4194304): no process has it.
    const dead = ['.a.js.4194305.7.0badc0de.tmp', 'sub/.b.ts.4194305.1.12345678.tmp'];
    const kept = [
      'a.js',
      `.a.js.${process.pid}.3.abcdef01.tmp`,
      '.a.js.tmp',
      'notes.tmp',
      'sub/.b.ts.4194305.1.xyz.tmp',
    ];
    for (const f of [...dead, ...kept]) await writeFile(path.join(root, f), 'x');
    expect(dead.every((f) => TEMP_NAME_RE.test(path.basename(f)))).toBe(true);
    const ws = await Workspace.open(root);
    const left = [...(await readdir(root)), ...(await readdir(path.join(root, 'sub'))).map((n) => `sub/${n}`)].filter(
      (n) => n !== 'sub',
    );
    expect(left.sort()).toEqual([...kept].sort());
    expect(await ws.cleanTemps()).toEqual([]);
  });
});

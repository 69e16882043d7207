import { mkdtemp, readdir, readFile, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readText, writeText } from '../src-renderer/file-transfer';
import type { LabApi } from './contract';
import { FILE_CHUNK_CHARS } from './contract';
import { RpcServer } from './rpc';
import { Workspace } from './workspace/workspace';
import { SETTINGS_FILE, WorkspaceChooser } from './workspace/chooser';

describe('RpcServer with a workspace chooser (the Electron wiring)', () => {
  it('offers chooseWorkspace; after a change every call uses the new folder', async () => {
    const base = await realpath(await mkdtemp(path.join(tmpdir(), 'kl-rpc-')));
    const { chooser } = await WorkspaceChooser.start({
      settingsFile: path.join(base, 'userData', SETTINGS_FILE),
      defaultDir: path.join(base, 'default'),
    });
    await chooser.current.save('old.js', 'print(1)');
    const next = path.join(base, 'chosen');
    const rpc = new RpcServer(
      {
        host: 'electron',
        version: 't',
        get workspace() {
          return chooser.current;
        },
        chooseWorkspace: () => chooser.choose(async () => next),
      },
      () => {},
    );
    try {
      expect(await rpc.call('hostInfo', [])).toMatchObject({
        host: 'electron',
        workspace: path.join(base, 'default'),
        canChooseWorkspace: true,
      });
      expect(((await rpc.call('listFiles', [])) as { path: string }[]).map((f) => f.path)).toEqual([
        'hello.js',
        'old.js',
      ]);
      expect(await rpc.call('chooseWorkspace', [])).toEqual({ workspace: next, changed: true });
      expect(await rpc.call('hostInfo', [])).toMatchObject({ workspace: next });
      expect(((await rpc.call('listFiles', [])) as { path: string }[]).map((f) => f.path)).toEqual(['hello.js']);
      await expect(rpc.call('chooseWorkspace', ['/etc'])).rejects.toThrow(/chooseWorkspace: invalid arguments/);
    } finally {
      await rpc.dispose();
    }
  });
});

/** The renderer's view of an RpcServer: each call as the transports make it. */
function labOf(rpc: RpcServer): LabApi {
  return new Proxy({} as LabApi, {
    get:
      (_t, m) =>
      (...args: unknown[]) =>
        rpc.call(m, args),
  });
}

describe("the renderer's file transfer over the contract", () => {
  it('writes and reads a file of several chunks, with astral characters across the piece boundaries', async () => {
    const ws = await Workspace.open(path.join(await mkdtemp(path.join(tmpdir(), 'kl-rpc-')), 'ws'));
    const rpc = new RpcServer({ host: 'browser', version: 't', workspace: ws }, () => {});
    const lab = labOf(rpc);
    try {
      // 2.5 chunks; U+1F600 is a surrogate pair, so some piece boundary would fall inside one.
      const content = 'a' + '\u{1f600}'.repeat(Math.floor(1.25 * FILE_CHUNK_CHARS));
      const saved = await writeText(lab, 'big.txt', content, null, FILE_CHUNK_CHARS);
      const bytes = await readFile(path.join(ws.root, 'big.txt'));
      expect(bytes.equals(Buffer.from(content, 'utf8'))).toBe(true);
      expect(await readText(lab, 'big.txt')).toEqual({ content, version: saved.version });
      // A second writer based on the old version is refused, and nothing changes.
      await writeText(lab, 'big.txt', 'small', saved.version!, FILE_CHUNK_CHARS);
      await expect(writeText(lab, 'big.txt', content, saved.version!, FILE_CHUNK_CHARS)).rejects.toMatchObject({
        code: 'ECONFLICT',
      });
      expect(await readFile(path.join(ws.root, 'big.txt'), 'utf8')).toBe('small');
      expect((await readdir(ws.root)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    } finally {
      await rpc.dispose();
    }
  });

  it('aborts the chunked saves of a client that goes away, leaving no temporary file', async () => {
    const ws = await Workspace.open(path.join(await mkdtemp(path.join(tmpdir(), 'kl-rpc-')), 'ws'));
    const rpc = new RpcServer({ host: 'browser', version: 't', workspace: ws }, () => {});
    const { saveId } = (await rpc.call('saveBegin', ['half.txt', { length: 10 }])) as { saveId: string };
    await rpc.call('saveChunk', [saveId, 0, 'hello']);
    expect((await readdir(ws.root)).filter((n) => n.endsWith('.tmp'))).toHaveLength(1);
    await rpc.dispose();
    expect((await readdir(ws.root)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(await readdir(ws.root)).not.toContain('half.txt');
  });
});

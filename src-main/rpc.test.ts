import { mkdtemp, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RpcServer } from './rpc';
import { SETTINGS_FILE, WorkspaceChooser } from './workspace/chooser';

describe('RpcServer with a workspace chooser (the Electron wiring)', () => {
  it('offers chooseWorkspace; after a change every call uses the new folder', async () => {
    const base = await realpath(await mkdtemp(path.join(tmpdir(), 'kl-rpc-')));
    const { chooser } = await WorkspaceChooser.start({ settingsFile: path.join(base, 'userData', SETTINGS_FILE), defaultDir: path.join(base, 'default') });
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
      expect(await rpc.call('hostInfo', [])).toMatchObject({ host: 'electron', workspace: path.join(base, 'default'), canChooseWorkspace: true });
      expect(((await rpc.call('listFiles', [])) as { path: string }[]).map((f) => f.path)).toEqual(['hello.js', 'old.js']);
      expect(await rpc.call('chooseWorkspace', [])).toEqual({ workspace: next, changed: true });
      expect(await rpc.call('hostInfo', [])).toMatchObject({ workspace: next });
      expect(((await rpc.call('listFiles', [])) as { path: string }[]).map((f) => f.path)).toEqual(['hello.js']);
      await expect(rpc.call('chooseWorkspace', ['/etc'])).rejects.toThrow(/chooseWorkspace: invalid arguments/);
    } finally {
      await rpc.dispose();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { decodeShare, encodeShare, linkTo, shareFragment } from './share-link';

const script = {
  file: 'frag.js',
  code: "const k = boot({ mem: '1G' });\nprint('é ✓', lab.seed);\n",
  seed: 7,
  timeoutMs: 60000,
};

async function deflatedFragment(json: string): Promise<string> {
  const packed = new Uint8Array(
    await new Response(
      new Blob([new TextEncoder().encode(json)]).stream().pipeThrough(new CompressionStream('deflate-raw')),
    ).arrayBuffer(),
  );
  return 'share=1.' + Buffer.from(packed).toString('base64url');
}

describe('share links', () => {
  it('carry the script, its name, seed and timeout through a whole URL', async () => {
    const frag = await encodeShare(script);
    expect(frag).toMatch(/^share=1\.[A-Za-z0-9_-]+$/);
    const url = linkTo({ origin: 'http://127.0.0.1:4321', pathname: '/', protocol: 'http:', href: 'x' }, frag);
    expect(url.startsWith('http://127.0.0.1:4321/#share=1.')).toBe(true);
    expect(await decodeShare(url)).toEqual(script);
    expect(await decodeShare(`  ${frag}\n`)).toEqual(script);
  });

  it("never carry the host's token", () => {
    const url = linkTo(
      { origin: 'http://127.0.0.1:4321', pathname: '/', protocol: 'http:', href: 'http://127.0.0.1:4321/?token=abc#x' },
      'share=1.AA',
    );
    expect(url).not.toContain('token');
    const file = linkTo(
      { origin: 'null', pathname: '/app/index.html', protocol: 'file:', href: 'file:///app/index.html?x=1#y' },
      'share=1.AA',
    );
    expect(file).toBe('file:///app/index.html#share=1.AA');
  });

  it('refuse what is not a link, with the reason', async () => {
    expect(shareFragment('http://example.com/#other')).toBeUndefined();
    await expect(decodeShare('hello')).rejects.toThrow('not a Kernel Lab link (no #share=1. in it)');
    await expect(decodeShare('#share=1.***')).rejects.toThrow(
      'the link is damaged (characters that are not base64url)',
    );
    await expect(decodeShare('#share=1.AAAA')).rejects.toThrow('the link is damaged');
    await expect(decodeShare(await deflatedFragment('{"kind":"x"}'))).rejects.toThrow(
      'not a Kernel Lab link (version 1)',
    );
    await expect(decodeShare(await deflatedFragment('not json'))).rejects.toThrow('not JSON inside');
    await expect(
      decodeShare(
        await deflatedFragment(
          JSON.stringify({ kind: 'kernel-lab-link', version: 1, file: '../../.bashrc', code: '' }),
        ),
      ),
    ).rejects.toThrow("the link's script name '../../.bashrc' is not a valid script name");
  });

  it('refuse a link that inflates beyond its limit before reading it all', async () => {
    const bomb = await deflatedFragment(
      JSON.stringify({ kind: 'kernel-lab-link', version: 1, file: 'a.js', code: ' '.repeat(20 * 1024 * 1024) }),
    );
    expect(bomb.length).toBeLessThan(100_000);
    await expect(decodeShare(bomb)).rejects.toThrow('the link holds more than 16 MiB');
  });

  it('keep only the file name of a path, and default a missing seed and timeout', async () => {
    const s = await decodeShare(
      await deflatedFragment(
        JSON.stringify({ kind: 'kernel-lab-link', version: 1, file: 'dir/x.ts', code: 'print(1)' }),
      ),
    );
    expect(s).toEqual({ file: 'x.ts', code: 'print(1)', seed: 1, timeoutMs: 10000 });
  });
});

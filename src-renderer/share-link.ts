/**
 * Share links: the script, its file name, seed and timeout (boot options are in the script) compressed into the
 * URL's fragment, so no server keeps anything and the fragment never reaches the host (`#share=1.<base64url of
 * deflate-raw JSON>`). Any Kernel Lab opens it: from its own address with the fragment, or pasted into Open →
 * Shared link. The token of the browser host that made it is never in the link.
 */

export interface SharedScript {
  file: string;
  code: string;
  seed: number;
  timeoutMs: number;
}

const PREFIX = 'share=1.';
/** Chromium takes URLs of up to 2 MB; a script beyond this goes in a session file instead. */
export const MAX_LINK_CHARS = 1_000_000;
/** What a link may inflate to: bigger is refused before it is read in full (a link is untrusted input). */
const MAX_INFLATED = 16 * 1024 * 1024;

function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('the link is damaged (characters that are not base64url)');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  let bin: string;
  try {
    bin = atob(b64);
  } catch {
    throw new Error('the link is damaged (not base64url)');
  }
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function pipe(
  bytes: Uint8Array<ArrayBuffer>,
  stream: CompressionStream | DecompressionStream,
  limit: number,
): Promise<Uint8Array> {
  const reader = new Blob([bytes]).stream().pipeThrough(stream).getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > limit) {
      await reader.cancel();
      throw new Error(`the link holds more than ${limit / 1024 / 1024} MiB`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The fragment (without '#') that carries `s`. */
export async function encodeShare(s: SharedScript): Promise<string> {
  const json = JSON.stringify({ kind: 'kernel-lab-link', version: 1, ...s });
  const packed = await pipe(new TextEncoder().encode(json), new CompressionStream('deflate-raw'), Infinity);
  return PREFIX + toBase64Url(packed);
}

/** Where a link's fragment starts, in a whole URL or a bare fragment; undefined when there is none. */
export function shareFragment(text: string): string | undefined {
  const at = text.indexOf(PREFIX);
  if (at < 0) return undefined;
  return text.slice(at).trim();
}

/** Reads a link (a whole URL or its fragment); throws an Error saying what is wrong with it. */
export async function decodeShare(text: string): Promise<SharedScript> {
  const frag = shareFragment(text);
  if (frag === undefined) throw new Error('not a Kernel Lab link (no #share=1. in it)');
  if (frag.length > MAX_LINK_CHARS) throw new Error('the link is too long');
  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(
      await pipe(fromBase64Url(frag.slice(PREFIX.length)), new DecompressionStream('deflate-raw'), MAX_INFLATED),
    );
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith('the link') ? msg : 'the link is damaged (it does not inflate)');
  }
  let v: Partial<SharedScript & { kind: string; version: number }>;
  try {
    v = JSON.parse(json) as typeof v;
  } catch {
    throw new Error('the link is damaged (not JSON inside)');
  }
  if (!v || v.kind !== 'kernel-lab-link' || v.version !== 1) throw new Error('not a Kernel Lab link (version 1)');
  return checkedScript(v, 'link');
}

/**
 * The script a session file or a link carries, checked as untrusted input: its file name only (no folders, a .js or
 * .ts name), its code, and its seed (u32) and timeout, or their defaults.
 */
export function checkedScript(
  v: { file?: unknown; code?: unknown; seed?: unknown; timeoutMs?: unknown },
  from: 'session' | 'link',
): SharedScript {
  if (typeof v.file !== 'string' || typeof v.code !== 'string') throw new Error(`the ${from} has no script`);
  const name = v.file.split('/').pop()!;
  if (!/^[\w.-]+\.(js|ts)$/.test(name))
    throw new Error(`the ${from}'s script name '${v.file}' is not a valid script name`);
  return {
    file: name,
    code: v.code,
    seed: Number.isInteger(v.seed) ? (v.seed as number) >>> 0 : 1,
    timeoutMs: Number.isInteger(v.timeoutMs) ? (v.timeoutMs as number) : 10_000,
  };
}

/** A link to this page (its address without the query, which holds the host's token) with `fragment`. */
export function linkTo(
  location: { origin: string; pathname: string; protocol: string; href: string },
  fragment: string,
): string {
  // The Electron app's page is a file: the link still carries the fragment any Kernel Lab opens.
  const base =
    location.protocol === 'file:' ? location.href.replace(/[?#].*$/, '') : location.origin + location.pathname;
  return `${base}#${fragment}`;
}

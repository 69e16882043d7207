/**
 * Whole files over the contract in pieces: no call carries more than one chunk (the host's FILE_CHUNK_CHARS), so a
 * large file never needs one oversized frame. Used by the editor's files; knows only the contract's types.
 */
import type { FileEntry, LabApi } from '../src-main/contract';

/** The contract's SAVE_CONFLICT: a save refused because the file is not the version it was based on. */
export const SAVE_CONFLICT = 'ECONFLICT';

type FileCalls = Pick<LabApi, 'readFileChunk' | 'saveFile' | 'saveBegin' | 'saveChunk' | 'saveCommit' | 'saveAbort'>;

/** Reads a whole file in pieces (readFileChunk), all of one version; a save in between makes it read again. */
export async function readText(lab: FileCalls, path: string): Promise<{ content: string; version: string }> {
  for (let attempt = 0; ; attempt++) {
    try {
      const first = await lab.readFileChunk(path, { offset: 0 });
      const parts = [first.content];
      for (let off = first.content.length; off < first.length;) {
        const c = await lab.readFileChunk(path, { offset: off, version: first.version });
        if (!c.content.length) throw new Error(`${path}: the read stopped at ${off} of ${first.length}`);
        parts.push(c.content);
        off += c.content.length;
      }
      return { content: parts.join(''), version: first.version };
    } catch (e) {
      if ((e as { code?: string }).code !== SAVE_CONFLICT || attempt >= 3) throw e;
    }
  }
}

/**
 * Writes a file: one saveFile when it fits in `chunkChars`, else saveBegin, its pieces (never split inside a
 * surrogate pair) and saveCommit; a failed piece aborts the save. `expected` is the save's precondition.
 */
export async function writeText(
  lab: FileCalls,
  path: string,
  content: string,
  expected: string | null | undefined,
  chunkChars: number,
): Promise<FileEntry> {
  const opts = expected === undefined ? {} : { expected };
  if (content.length <= chunkChars) return lab.saveFile(path, content, opts);
  const begun = await lab.saveBegin(path, { length: content.length, ...opts });
  try {
    for (let off = 0; off < content.length;) {
      let end = Math.min(content.length, off + begun.chunkChars);
      const last = content.charCodeAt(end - 1);
      if (end < content.length && end - off > 1 && last >= 0xd800 && last <= 0xdbff) end--;
      await lab.saveChunk(begun.saveId, off, content.slice(off, end));
      off = end;
    }
    return await lab.saveCommit(begun.saveId);
  } catch (e) {
    await lab.saveAbort(begun.saveId).catch(() => {});
    throw e;
  }
}

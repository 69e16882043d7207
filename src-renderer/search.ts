/**
 * Find in files, without the DOM: a query (text or a regular expression, case-sensitive or not, whole words or not)
 * matched line by line over each file's text, as a list of hits with their line, column and a preview.
 */

export interface SearchOptions {
  matchCase: boolean;
  regex: boolean;
  wholeWord: boolean;
}

export interface SearchHit {
  path: string;
  /** 1-based, as the editor counts. */
  line: number;
  column: number;
  /** The match's length in characters (0 for an empty match of a regular expression). */
  length: number;
  /** The line as shown in the list, with the match at `previewStart`. */
  preview: string;
  previewStart: number;
}

/** Characters of a line the list shows before a match (a long line is cut there, with an ellipsis). */
const PREVIEW_BEFORE = 40;
/** Characters of a line the list shows in all. */
const PREVIEW_CHARS = 200;

/**
 * The query as a global regular expression, or the reason it is not one (an invalid regular expression). An empty
 * query gives undefined: nothing to search for.
 */
export function compileQuery(query: string, opts: SearchOptions): RegExp | string | undefined {
  if (!query) return undefined;
  let source = opts.regex ? query : query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (opts.wholeWord) source = `(?<![\\w$])(?:${source})(?![\\w$])`;
  try {
    return new RegExp(source, opts.matchCase ? 'gu' : 'giu');
  } catch (e) {
    return (e as Error).message;
  }
}

/** Every match of `re` in `text`, line by line, at most `limit` of them. */
export function searchText(path: string, text: string, re: RegExp, limit: number): SearchHit[] {
  const hits: SearchHit[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length && hits.length < limit; i++) {
    const line = lines[i]!;
    re.lastIndex = 0;
    for (let m = re.exec(line); m && hits.length < limit; m = re.exec(line)) {
      const at = m.index;
      // An empty match (`^`, `\b`) would match again at the same place: step past it.
      if (m[0].length === 0) re.lastIndex = at + 1;
      const from = Math.max(0, at - PREVIEW_BEFORE);
      const cut = from > 0 ? '…' : '';
      hits.push({
        path,
        line: i + 1,
        column: at + 1,
        length: m[0].length,
        preview: cut + line.slice(from, from + PREVIEW_CHARS).trimEnd(),
        previewStart: cut.length + at - from,
      });
      if (re.lastIndex > line.length) break;
    }
  }
  return hits;
}

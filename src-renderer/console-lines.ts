/**
 * The console's lines, without the DOM: output arrives in chunks that need not end at a line break; the view keeps
 * the last `maxLines` of them (the whole text stays for Copy and Save) and a filter's matching rows.
 *
 * A line is not a string of its own: it is a span (chunk, start, end) of the text that arrived, kept in typed
 * arrays, and its text is cut only when it is drawn. A million lines are then three typed arrays and the chunks the
 * output came in, and a 64 KiB chunk of short lines costs one scan for its line breaks: no string per line for the
 * garbage collector to move while the page should answer key presses.
 */

/** How a line is drawn: its CSS class in the console. */
export type LineKind = 'stdout' | 'stderr' | 'meta' | 'error' | 'meta ok';

export class ConsoleLines {
  /** The text each line is a span of: the chunks as they arrived (a continued line makes one of its own). */
  private spans: string[] = [];
  private spanKinds: LineKind[] = [];
  /** Per line: the chunk it is in and its start and end offsets there. Lines `first..count-1` are kept. */
  private chunkOf = new Int32Array(1024);
  private startOf = new Int32Array(1024);
  private endOf = new Int32Array(1024);
  private first = 0;
  private count = 0;
  /** Lines dropped from the front to stay within maxLines. */
  dropped = 0;
  /** Whether the last line still waits for its line break (the next chunk of its stream continues it). */
  private open = false;
  /** All text appended since the last clear, in chunks (Copy and Save take it whole, dropped lines too). */
  private chunks: string[] = [];
  private filter = '';
  /** With a filter: the output line numbers (dropped included) of the matching lines kept, in order. */
  private rows: number[] = [];
  /** Bumps on every change that the view must redraw. */
  version = 0;

  constructor(
    readonly maxLines: number,
    /** Lines dropped at once when over the cap (dropping one at a time would move every row each time). */
    private readonly dropChunk = Math.max(1, Math.floor(maxLines / 10)),
  ) {}

  clear(): void {
    this.spans = [];
    this.spanKinds = [];
    this.first = this.count = 0;
    this.dropped = 0;
    this.open = false;
    this.chunks = [];
    this.rows = [];
    this.version++;
  }

  append(text: string, kind: LineKind): void {
    if (!text) return;
    this.chunks.push(text);
    let span = text;
    if (this.open && this.count > this.first && this.spanKinds[this.chunkOf[this.count - 1]!] === kind) {
      // The open last line continues: it and the new text make one span, read again from the line's start.
      this.count--;
      const n = this.dropped + this.count - this.first;
      if (this.rows[this.rows.length - 1] === n) this.rows.pop();
      span = this.lineText(this.count) + text;
    }
    const c = this.spans.push(span) - 1;
    this.spanKinds.push(kind);
    let pos = 0;
    for (;;) {
      const nl = span.indexOf('\n', pos);
      if (nl < 0) {
        // Text after the last line break opens a line; a text ending in a break leaves none open.
        this.open = pos < span.length;
        if (this.open) this.push(c, pos, span.length);
        break;
      }
      this.push(c, pos, nl);
      pos = nl + 1;
    }
    if (this.count - this.first > this.maxLines) this.drop(this.count - this.first - this.maxLines + this.dropChunk);
    this.version++;
  }

  private push(chunk: number, start: number, end: number): void {
    if (this.count === this.chunkOf.length) this.grow();
    this.chunkOf[this.count] = chunk;
    this.startOf[this.count] = start;
    this.endOf[this.count] = end;
    if (this.filter && this.spans[chunk]!.slice(start, end).toLowerCase().includes(this.filter))
      this.rows.push(this.dropped + this.count - this.first);
    this.count++;
  }

  /** Room for more lines: the kept ones move to the front (dropped ones free their room), or the arrays double. */
  private grow(): void {
    const kept = this.count - this.first;
    const double = kept * 2 > this.chunkOf.length;
    for (const key of ['chunkOf', 'startOf', 'endOf'] as const) {
      const next = double ? new Int32Array(this[key].length * 2) : this[key];
      next.set(this[key].subarray(this.first, this.count));
      this[key] = next;
    }
    this.first = 0;
    this.count = kept;
  }

  private lineText(i: number): string {
    return this.spans[this.chunkOf[i]!]!.slice(this.startOf[i], this.endOf[i]);
  }

  private drop(n: number): void {
    n = Math.min(n, this.count - this.first);
    this.first += n;
    this.dropped += n;
    // Spans no kept line is in are let go (Copy and Save read the chunks).
    const firstSpan = this.count > this.first ? this.chunkOf[this.first]! : this.spans.length;
    for (let c = firstSpan - 1; c >= 0 && this.spans[c] !== ''; c--) this.spans[c] = '';
    if (this.filter) {
      let k = 0;
      while (k < this.rows.length && this.rows[k]! < this.dropped) k++;
      this.rows.splice(0, k);
    }
  }

  setFilter(filter: string): void {
    const next = filter.toLowerCase();
    const prev = this.filter;
    this.filter = next;
    if (!next) this.rows = [];
    else if (prev && next.includes(prev)) {
      // A longer filter (typed on): its matches are among the current ones.
      this.rows = this.rows.filter((n) =>
        this.lineText(this.first + n - this.dropped)
          .toLowerCase()
          .includes(next),
      );
    } else this.rows = this.matchAll(next);
    this.version++;
  }

  /**
   * The kept lines that contain `needle` (lower case), in order: each chunk is lowered and searched once, and its
   * matches are mapped to the lines they fall in, so a million lines cost a search of their text rather than a
   * string per line.
   */
  private matchAll(needle: string): number[] {
    const out: number[] = [];
    let i = this.first;
    while (i < this.count) {
      const c = this.chunkOf[i]!;
      let j = i;
      while (j < this.count && this.chunkOf[j] === c) j++;
      // Lines i..j-1 are spans of chunk c, in order.
      const span = this.spans[c]!;
      const lower = span.toLowerCase();
      if (lower.length !== span.length) {
        // Lowering changed the length (a few Unicode letters): offsets no longer match, so line by line.
        for (let k = i; k < j; k++)
          if (this.lineText(k).toLowerCase().includes(needle)) out.push(this.dropped + k - this.first);
      } else {
        let k = i;
        let at = lower.indexOf(needle, this.startOf[i]);
        while (at >= 0 && k < j) {
          while (k < j && this.endOf[k]! < at + needle.length) k++;
          if (k === j) break;
          if (this.startOf[k]! <= at) {
            out.push(this.dropped + k - this.first);
            k++;
            at = k < j ? lower.indexOf(needle, this.startOf[k]) : -1;
          } else at = lower.indexOf(needle, this.startOf[k]);
        }
      }
      i = j;
    }
    return out;
  }

  /** Rows shown: every line kept, or with a filter the matching ones. */
  get rowCount(): number {
    return this.filter ? this.rows.length : this.count - this.first;
  }

  /** Lines kept (filtered or not). */
  get lineCount(): number {
    return this.count - this.first;
  }

  /** The row's text and kind. */
  row(r: number): { text: string; kind: LineKind } {
    const i = this.first + (this.filter ? this.rows[r]! - this.dropped : r);
    return { text: this.lineText(i), kind: this.spanKinds[this.chunkOf[i]!]! };
  }

  /** The whole output since the last clear, dropped lines included. */
  text(): string {
    if (this.chunks.length > 1) this.chunks = [this.chunks.join('')];
    return this.chunks[0] ?? '';
  }
}

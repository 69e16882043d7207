/**
 * The console's lines, without the DOM: output arrives in chunks that need not end at a line break; the view keeps
 * the last `maxLines` of them (the whole text stays for Copy and Save) and a filter's matching rows.
 */

/** How a line is drawn: its CSS class in the console. */
export type LineKind = 'stdout' | 'stderr' | 'meta' | 'error' | 'meta ok';

export class ConsoleLines {
  /** Lines kept, oldest first; line `i` here is line `dropped + i` of the output. */
  private lines: string[] = [];
  private kinds: LineKind[] = [];
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
    this.lines = [];
    this.kinds = [];
    this.dropped = 0;
    this.open = false;
    this.chunks = [];
    this.rows = [];
    this.version++;
  }

  append(text: string, kind: LineKind): void {
    if (!text) return;
    this.chunks.push(text);
    const parts = text.split('\n');
    // A text ending in a line break splits into a last empty part: that line is closed, none opens.
    const closed = parts[parts.length - 1] === '';
    if (closed) parts.pop();
    let first = 0;
    if (this.open && this.kinds[this.kinds.length - 1] === kind && parts.length) {
      const i = this.lines.length - 1;
      this.lines[i] += parts[0]!;
      this.touch(i);
      first = 1;
    }
    for (let p = first; p < parts.length; p++) {
      this.lines.push(parts[p]!);
      this.kinds.push(kind);
      if (this.filter && parts[p]!.toLowerCase().includes(this.filter))
        this.rows.push(this.dropped + this.lines.length - 1);
    }
    this.open = !closed;
    if (this.lines.length > this.maxLines) this.drop(this.lines.length - this.maxLines + this.dropChunk);
    this.version++;
  }

  /** A line that grew: it may match the filter now. */
  private touch(i: number): void {
    if (!this.filter) return;
    const n = this.dropped + i;
    if (this.rows[this.rows.length - 1] !== n && this.lines[i]!.toLowerCase().includes(this.filter)) this.rows.push(n);
  }

  private drop(n: number): void {
    n = Math.min(n, this.lines.length);
    this.lines.splice(0, n);
    this.kinds.splice(0, n);
    this.dropped += n;
    if (this.filter) {
      let k = 0;
      while (k < this.rows.length && this.rows[k]! < this.dropped) k++;
      this.rows.splice(0, k);
    }
  }

  setFilter(filter: string): void {
    this.filter = filter.toLowerCase();
    this.rows = [];
    if (this.filter) {
      for (let i = 0; i < this.lines.length; i++)
        if (this.lines[i]!.toLowerCase().includes(this.filter)) this.rows.push(this.dropped + i);
    }
    this.version++;
  }

  /** Rows shown: every line kept, or with a filter the matching ones. */
  get rowCount(): number {
    return this.filter ? this.rows.length : this.lines.length;
  }

  /** Lines kept (filtered or not). */
  get lineCount(): number {
    return this.lines.length;
  }

  /** The row's text and kind. */
  row(r: number): { text: string; kind: LineKind } {
    const i = this.filter ? this.rows[r]! - this.dropped : r;
    return { text: this.lines[i]!, kind: this.kinds[i]! };
  }

  /** The whole output since the last clear, dropped lines included. */
  text(): string {
    if (this.chunks.length > 1) this.chunks = [this.chunks.join('')];
    return this.chunks[0] ?? '';
  }
}

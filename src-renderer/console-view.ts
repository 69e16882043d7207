/**
 * The console pane: output in order, errors with line:column, the run's duration, filter, copy and save. The list
 * is virtualised by arithmetic: every row is one fixed height, so the rows on screen follow from the scroll offset
 * and the pane's height alone, and the page holds only those rows (a pool of row elements whose text is replaced
 * in place). A million lines cost a frame the few dozen rows on screen, whatever the output's length, and output is
 * drawn at most once per frame however often it arrives (while a run streams, at most every STREAM_DRAW_MS).
 */
import type { RunEvent } from '../src-main/contract';
import { ConsoleLines, type LineKind } from './console-lines';
import { download } from './dom';

type Done = Extract<RunEvent, { type: 'done' }>;
/** Lines the console keeps; older ones are dropped from the view (Copy and Save still take them). */
export const MAX_LINES = 1_000_000;
/** Rows drawn beyond each edge of the pane (a wheel step scrolls into drawn rows, drawn for real next frame). */
const OVERSCAN = 8;
/** Rows a hidden console keeps drawn: its last ones, so its text is in the page (find, assistive technology). */
const HIDDEN_ROWS = 64;
/** A row's height in px: the console's CSS line-height. */
const ROW = 17;
/**
 * While output streams in, the list is drawn at most this often: a person cannot read thousands of lines a second,
 * and each draw lays out the rows on screen again. Anything else (the run's end, a scroll, a filter) draws at the
 * next frame.
 */
const STREAM_DRAW_MS = 100;

export class ConsoleView {
  private readonly model = new ConsoleLines(MAX_LINES);
  private readonly scroller: HTMLElement;
  private readonly sizer: HTMLElement;
  /** The rows drawn, positioned at the first of them. */
  private readonly block: HTMLElement;
  private readonly banner: HTMLElement;
  private frame = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastDraw = -Infinity;
  /** Whether the view follows new output (it does unless the person scrolled up from the end). */
  private follow = true;
  private drawn = -1;
  private bannerFor = 0;
  /** The scroll offset and the pane's height, as last read where reading them costs no layout. */
  private top = 0;
  private height = 0;
  /** The row elements, and per element the row and epoch its text is from (-1: none). */
  private readonly slots: HTMLElement[] = [];
  private slotRow: number[] = [];
  private slotEpoch: number[] = [];

  constructor(el: HTMLElement) {
    this.banner = document.createElement('div');
    this.banner.className = 'console-dropped';
    this.banner.dataset.testid = 'console-dropped';
    this.banner.hidden = true;
    this.scroller = el;
    this.sizer = document.createElement('div');
    this.sizer.className = 'console-sizer';
    this.block = document.createElement('div');
    this.block.className = 'console-block';
    this.sizer.appendChild(this.block);
    // Above the list (and the frame that holds it out of the page's flex layout).
    (el.parentElement?.classList.contains('console-frame') ? el.parentElement : el).before(this.banner);
    el.replaceChildren(this.sizer);
    el.addEventListener('scroll', () => {
      // Read in the scroll event, where the layout is clean.
      this.top = el.scrollTop;
      this.follow = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW;
      this.schedule();
    });
    new ResizeObserver(() => {
      this.height = el.clientHeight;
      this.top = el.scrollTop;
      this.schedule();
    }).observe(el);
  }

  /** Draws at the next frame (output arriving many times a frame is drawn once). */
  private schedule(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  /** Draws streamed output at the next frame at least STREAM_DRAW_MS after the last draw. */
  private scheduleStream(): void {
    if (this.frame || this.timer !== undefined) return;
    const wait = this.lastDraw + STREAM_DRAW_MS - performance.now();
    if (wait <= 0) this.schedule();
    else
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, wait);
  }

  private draw(): void {
    this.frame = 0;
    this.lastDraw = performance.now();
    const m = this.model;
    const rows = m.rowCount;
    if (this.drawn !== m.version) {
      this.drawn = m.version;
      this.sizer.style.height = `${rows * ROW}px`;
      if (this.bannerFor !== m.dropped) {
        this.bannerFor = m.dropped;
        this.banner.hidden = m.dropped === 0;
        this.banner.textContent = m.dropped
          ? `${m.dropped.toLocaleString('en-US')} earlier lines are not shown: the console keeps the last ${MAX_LINES.toLocaleString('en-US')}. Copy and Save take the whole output.`
          : '';
      }
      if (this.follow) {
        // To the end, computed rather than read back from the layout (the browser clamps what it is given).
        this.top = Math.max(0, rows * ROW - this.height + 12);
        this.scroller.scrollTop = this.top;
      }
    }
    // The rows on screen, from the scroll offset and the pane's height; a hidden console has no height to fill,
    // and keeps its last rows drawn, on screen at once when it is shown again.
    let from: number;
    let to: number;
    if (this.height > 0) {
      from = Math.max(0, Math.floor(this.top / ROW) - OVERSCAN);
      to = Math.min(rows, Math.ceil((this.top + this.height) / ROW) + OVERSCAN);
    } else {
      to = rows;
      from = Math.max(0, rows - HIDDEN_ROWS);
    }
    from = Math.min(from, to);
    this.block.style.transform = `translateY(${from * ROW}px)`;
    const n = to - from;
    while (this.slots.length < n) {
      const line = document.createElement('div');
      line.appendChild(document.createTextNode(''));
      this.slots.push(line);
      this.slotRow.push(-1);
      this.slotEpoch.push(-1);
      this.block.appendChild(line);
    }
    while (this.slots.length > n) {
      this.slots.pop()!.remove();
      this.slotRow.pop();
      this.slotEpoch.pop();
    }
    for (let i = 0; i < n; i++) {
      const r = from + i;
      // A row drawn since the last clear, filter or drop, and not grown since (a line continued), stays.
      if (this.slotRow[i] === r && this.slotEpoch[i] === this.epoch && r < this.dirtyFrom) continue;
      const { text, kind } = m.row(r);
      const line = this.slots[i]!;
      if (line.className !== kind) line.className = kind;
      // With its line break, as the page's text (a trailing break draws no second line).
      (line.firstChild as Text).data = text + '\n';
      this.slotRow[i] = r;
      this.slotEpoch[i] = this.epoch;
    }
    this.dirtyFrom = Infinity;
  }

  /** Bumps when rows change in place (a clear, a filter, lines dropped): every block is drawn again. */
  private epoch = 0;
  private dropped = 0;
  /** The first row that changed since the last draw (the last row can grow: a line continued). */
  private dirtyFrom = Infinity;

  private append(text: string, kind: LineKind, streaming = false): void {
    this.dirtyFrom = Math.min(this.dirtyFrom, Math.max(0, this.model.rowCount - 1));
    this.model.append(text, kind);
    if (this.model.dropped !== this.dropped) {
      this.dropped = this.model.dropped;
      this.epoch++;
    }
    if (streaming) this.scheduleStream();
    else this.schedule();
  }

  clear(): void {
    this.model.clear();
    this.dropped = 0;
    this.epoch++;
    this.follow = true;
    this.schedule();
  }

  meta(text: string): void {
    this.append(text.endsWith('\n') ? text : text + '\n', 'meta');
  }

  output(stream: 'stdout' | 'stderr', text: string): void {
    this.append(text, stream, true);
  }

  done(event: Done, filename: string): void {
    const secs = (event.stats.durationMs / 1000).toFixed(event.stats.durationMs < 1000 ? 3 : 2);
    const e = event.error;
    if (!e) {
      this.append(`✓ finished in ${secs} s\n`, 'meta ok');
      return;
    }
    if (e.kind === 'stopped') {
      this.append(`■ stopped after ${secs} s\n`, 'meta');
      return;
    }
    const where = e.location ? `${e.location.file || filename}:${e.location.line}:${e.location.column}: ` : '';
    const errno = e.errno ? ` [${e.errno}]` : '';
    const head = e.kind === 'limit' ? `⚠ ${where}${e.message}` : `${where}${e.name}: ${e.message}${errno}`;
    this.append(head + '\n', 'error');
    if (e.stack && e.kind !== 'syntax') this.append(e.stack.replace(/^/gm, '    ') + '\n', 'error');
    this.append(`✗ ${e.kind === 'limit' ? `ended by the ${e.limit} limit` : 'failed'} after ${secs} s\n`, 'meta');
  }

  setFilter(filter: string): void {
    this.model.setFilter(filter);
    this.epoch++;
    this.follow = true;
    this.schedule();
  }

  /** The whole output since the last clear (lines no longer shown included). */
  text(): string {
    return this.model.text();
  }

  /** Offers the whole output as a text file. */
  save(name = 'console.txt'): void {
    download(name, new Blob([this.text()], { type: 'text/plain' }));
  }
}

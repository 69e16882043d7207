/**
 * The console pane: output in order, errors with line:column, the run's duration, filter, copy and save. The list
 * is virtualised (@tanstack/virtual-core) in blocks of rows of one fixed height: a million lines cost the page the
 * few blocks on screen, and output is drawn once per frame however often it arrives.
 */
import { Virtualizer, elementScroll, observeElementOffset, observeElementRect } from '@tanstack/virtual-core';
import type { RunEvent } from '../src-main/contract';
import { ConsoleLines, type LineKind } from './console-lines';
import { download } from './dom';

type Done = Extract<RunEvent, { type: 'done' }>;
/** Lines the console keeps; older ones are dropped from the view (Copy and Save still take them). */
export const MAX_LINES = 1_000_000;
/** Rows per virtualised block. */
const BLOCK = 64;
/** A row's height in px: the console's CSS line-height. */
const ROW = 17;

export class ConsoleView {
  private readonly model = new ConsoleLines(MAX_LINES);
  private readonly scroller: HTMLElement;
  private readonly sizer: HTMLElement;
  private readonly banner: HTMLElement;
  private readonly virtualizer: Virtualizer<HTMLElement, HTMLElement>;
  private frame = 0;
  /** Whether the view follows new output (it does unless the person scrolled up from the end). */
  private follow = true;
  private drawn = -1;
  private bannerFor = 0;
  private readonly blocks = new Map<number, { el: HTMLElement; epoch: number; rows: number }>();

  constructor(el: HTMLElement) {
    this.banner = document.createElement('div');
    this.banner.className = 'console-dropped';
    this.banner.dataset.testid = 'console-dropped';
    this.banner.hidden = true;
    this.scroller = el;
    this.sizer = document.createElement('div');
    this.sizer.className = 'console-sizer';
    // Above the list (and the frame that holds it out of the page's flex layout).
    (el.parentElement?.classList.contains('console-frame') ? el.parentElement : el).before(this.banner);
    el.replaceChildren(this.sizer);
    this.virtualizer = new Virtualizer<HTMLElement, HTMLElement>(this.options());
    this.virtualizer._didMount();
    this.virtualizer._willUpdate();
    el.addEventListener('scroll', () => {
      this.follow = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW;
    });
  }

  private options(): ConstructorParameters<typeof Virtualizer<HTMLElement, HTMLElement>>[0] {
    const rows = this.model.rowCount;
    return {
      count: Math.ceil(rows / BLOCK),
      getScrollElement: () => this.scroller,
      estimateSize: (i) => Math.min(BLOCK, rows - i * BLOCK) * ROW,
      observeElementRect,
      observeElementOffset,
      scrollToFn: elementScroll,
      overscan: 1,
      onChange: () => this.schedule(),
    };
  }

  /** Draws at the next frame (output arriving many times a frame is drawn once). */
  private schedule(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  private draw(): void {
    this.frame = 0;
    const m = this.model;
    if (this.drawn !== m.version) {
      this.drawn = m.version;
      this.virtualizer.setOptions(this.options());
      this.virtualizer._willUpdate();
      this.sizer.style.height = `${m.rowCount * ROW}px`;
      if (this.bannerFor !== m.dropped) {
        this.bannerFor = m.dropped;
        this.banner.hidden = m.dropped === 0;
        this.banner.textContent = m.dropped
          ? `${m.dropped.toLocaleString('en-US')} earlier lines are not shown: the console keeps the last ${MAX_LINES.toLocaleString('en-US')}. Copy and Save take the whole output.`
          : '';
      }
      // To the end (the browser clamps it), without reading the layout back.
      if (this.follow) this.scroller.scrollTop = m.rowCount * ROW + 100;
    }
    const seen = new Set<number>();
    const rows = m.rowCount;
    let items: readonly { index: number; start: number }[] = this.virtualizer.getVirtualItems();
    // A hidden console (another panel in front of it) has no height to fill: its last block stays drawn, so its
    // text is in the page (find, assistive technology) and on screen at once when it is shown again.
    if (items.length === 0 && rows > 0) {
      const last = Math.ceil(rows / BLOCK) - 1;
      items = [{ index: last, start: last * BLOCK * ROW }];
    }
    for (const item of items) {
      seen.add(item.index);
      const from = item.index * BLOCK;
      const to = Math.min(from + BLOCK, rows);
      const have = this.blocks.get(item.index);
      // A block drawn since the last clear, filter or drop with the same rows, none of them grown since, stays.
      if (have && have.epoch === this.epoch && have.rows === to - from && to <= this.dirtyFrom) {
        have.el.style.transform = `translateY(${item.start}px)`;
        continue;
      }
      const block = have?.el ?? document.createElement('div');
      block.className = 'console-block';
      block.style.transform = `translateY(${item.start}px)`;
      const lines: HTMLElement[] = [];
      for (let r = from; r < to; r++) {
        const { text, kind } = m.row(r);
        const line = document.createElement('div');
        line.className = kind;
        // With its line break, as the page's text (a trailing break draws no second line).
        line.textContent = text + '\n';
        lines.push(line);
      }
      block.replaceChildren(...lines);
      if (!have) this.sizer.appendChild(block);
      this.blocks.set(item.index, { el: block, epoch: this.epoch, rows: to - from });
    }
    this.dirtyFrom = Infinity;
    for (const [i, b] of this.blocks) {
      if (!seen.has(i)) {
        b.el.remove();
        this.blocks.delete(i);
      }
    }
  }

  /** Bumps when rows change in place (a clear, a filter, lines dropped): every block is drawn again. */
  private epoch = 0;
  private dropped = 0;
  /** The first row that changed since the last draw (the last row can grow: a line continued). */
  private dirtyFrom = Infinity;

  private append(text: string, kind: LineKind): void {
    this.dirtyFrom = Math.min(this.dirtyFrom, Math.max(0, this.model.rowCount - 1));
    this.model.append(text, kind);
    if (this.model.dropped !== this.dropped) {
      this.dropped = this.model.dropped;
      this.epoch++;
    }
    this.schedule();
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
    this.append(text, stream);
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

/** The console pane: output in order, errors with line:column, the run's duration, filter, copy and clear. */
import type { RunEvent } from '../src-main/contract';

type Done = Extract<RunEvent, { type: 'done' }>;
const MAX_LINES = 20_000;

export class ConsoleView {
  private filter = '';

  constructor(private readonly el: HTMLElement) {}

  private append(text: string, cls: string): void {
    const span = document.createElement('span');
    span.className = cls;
    span.textContent = text;
    if (this.filter && !text.toLowerCase().includes(this.filter)) span.classList.add('hidden');
    this.el.appendChild(span);
    while (this.el.childNodes.length > MAX_LINES) this.el.firstChild?.remove();
    this.el.scrollTop = this.el.scrollHeight;
  }

  clear(): void {
    this.el.textContent = '';
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
    this.filter = filter.toLowerCase();
    for (const span of Array.from(this.el.children)) {
      span.classList.toggle('hidden', !!this.filter && !(span.textContent ?? '').toLowerCase().includes(this.filter));
    }
  }

  text(): string {
    return this.el.textContent ?? '';
  }
}

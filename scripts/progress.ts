/**
 * A progress bar for long command-line runs, on stderr: redrawn in place on a terminal, a line every 10 % (and
 * at the end) otherwise, so logs of CI runs stay short.
 */
export interface Progress {
  tick(done: number): void;
  done(): void;
}

export function progressBar(label: string, total: number, out: NodeJS.WriteStream = process.stderr): Progress {
  const tty = out.isTTY === true;
  const width = 30;
  let lastTenth = -1;
  let lastDraw = 0;
  const line = (done: number): string => {
    const f = total > 0 ? done / total : 1;
    const filled = Math.round(f * width);
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${(f * 100).toFixed(1)}%`;
  };
  return {
    tick(done: number): void {
      if (tty) {
        // At most one redraw per 1/1000 of the run.
        if (done !== total && done - lastDraw < Math.max(1, total / 1000)) return;
        lastDraw = done;
        out.write(`\r${line(done)}`);
      } else {
        const tenth = Math.floor((done * 10) / Math.max(1, total));
        if (tenth !== lastTenth) {
          lastTenth = tenth;
          out.write(`${line(done)}\n`);
        }
      }
    },
    done(): void {
      if (tty) out.write('\n');
    },
  };
}

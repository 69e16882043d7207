/**
 * The C compiler's diagnostics in a run's output. A lab's C driver prints each of clang's diagnostics as
 * `file:line:col: severity: message` (the form clang itself prints), and the editor marks those of the file it ran,
 * as an editor's problem matcher reads a compiler's output.
 */

export interface CDiagnostic {
  line: number;
  col: number;
  severity: 'error' | 'warning' | 'note' | 'fatal error';
  message: string;
}

const LINE = /^(.+?):(\d+):(\d+): (fatal error|error|warning|note): (.*)$/;

/** The diagnostics of `output` that name the file `filename` (its last path component), in order, without repeats. */
export function cDiagnosticsOf(output: string, filename: string): CDiagnostic[] {
  const base = filename.slice(filename.lastIndexOf('/') + 1);
  const seen = new Set<string>();
  const out: CDiagnostic[] = [];
  for (const text of output.split('\n')) {
    const m = LINE.exec(text.trimEnd());
    if (!m) continue;
    const file = m[1]!;
    if (file.slice(file.lastIndexOf('/') + 1) !== base) continue;
    if (seen.has(text)) continue;
    seen.add(text);
    out.push({ line: Number(m[2]), col: Number(m[3]), severity: m[4] as CDiagnostic['severity'], message: m[5]! });
  }
  return out;
}

/** The bundled example scripts (src-renderer/examples/*.js), at least two per engine, offered from a menu. */
const raw = import.meta.glob('./examples/*.js', { query: '?raw', import: 'default', eager: true }) as Record<
  string,
  string
>;

export interface Example {
  /** File name, e.g. 'mm-secretmem.js'. */
  name: string;
  engine: 'memory' | 'bpf' | 'ublk';
  /** The first comment line. */
  title: string;
  code: string;
}

const ENGINE: Record<string, Example['engine']> = { mm: 'memory', bpf: 'bpf', ublk: 'ublk' };

export const examples: Example[] = Object.entries(raw)
  .map(([path, code]) => {
    const name = path.split('/').pop()!;
    const title = /^\/\/\s*(.*)$/m.exec(code)?.[1] ?? name;
    return { name, engine: ENGINE[name.split('-')[0]!] ?? 'memory', title, code };
  })
  .sort((a, b) => a.name.localeCompare(b.name));

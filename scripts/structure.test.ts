/**
 * The project's structure, enforced: the layer table of eslint.config.js (imports point down, engines are imported
 * through their index.ts, no engine imports another) fails on a wrong-way import, and the TypeScript import graph
 * has no cycle but the known ones listed here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('the layer table (eslint.config.js, rule kernel-lab/layers)', () => {
  let eslint: ESLint;
  beforeAll(() => {
    eslint = new ESLint({ cwd: root });
  });

  /** The kernel-lab/layers messages ESLint gives for `code` placed at `file` (which need not exist). */
  const layerErrors = async (file: string, code: string): Promise<string[]> => {
    const [res] = await eslint.lintText(code, { filePath: path.join(root, file) });
    return res!.messages.filter((m) => m.ruleId === 'kernel-lab/layers').map((m) => m.message);
  };

  it('fails on a wrong-way import: an engine importing the session, the workspace importing the sandbox', async () => {
    expect(
      await layerErrors('src-main/engines/mm/wrong-way.ts', "export { startRun } from '../../session/session';\n"),
    ).toEqual([
      "The layer table does not let engines import session ('../../session/session'): imports point down only (eslint.config.js).",
    ]);
    expect(
      await layerErrors(
        'src-main/workspace/wrong-way.ts',
        "import { runInSandbox } from '../sandbox/sandbox';\nexport const f = runInSandbox;\n",
      ),
    ).toEqual([
      "The layer table does not let workspace import sandbox ('../sandbox/sandbox'): imports point down only (eslint.config.js).",
    ]);
    expect(
      await layerErrors('src-main/oracle/wrong-way.ts', "export const m = import('../session/session');\n"),
    ).toHaveLength(1);
    expect(
      await layerErrors('src-main/engines/bpf/wrong-way.ts', "export * from '../../oracle/index';\n"),
    ).toHaveLength(1);
  });

  it('lets imports point down, and tests reach across', async () => {
    expect(
      await layerErrors(
        'src-main/session/right-way.ts',
        "export { kernelOracle } from '../oracle/index';\nexport { boot } from '../engines/kernel';\n",
      ),
    ).toEqual([]);
    expect(
      await layerErrors(
        'src-main/engines/bpf/right-way.test.ts',
        "export { kernelForTests } from '../../oracle/test-util';\n",
      ),
    ).toEqual([]);
    expect(await layerErrors('src-main/labs/validate.ts', "export { startRun } from '../session/session';\n")).toEqual(
      [],
    );
    expect(
      await layerErrors('src-main/labs/other.ts', "export { startRun } from '../session/session';\n"),
    ).toHaveLength(1);
  });

  it('sends everyone outside an engine through its index.ts, and keeps engines apart', async () => {
    expect(
      await layerErrors('src-main/oracle/inside.ts', "export { encodeInsns } from '../engines/bpf/isa';\n"),
    ).toEqual([
      "Outside the bpf engine, import it through its index.ts ('../engines/bpf/isa'): export what you need there.",
    ]);
    expect(
      await layerErrors('src-main/engines/bpf_iter_x.ts', "export { ST_FREE } from './mm/page_alloc';\n"),
    ).toHaveLength(1);
    expect(
      await layerErrors(
        'src-main/oracle/inside.ts',
        "export { encodeInsns } from '../engines/bpf';\nexport { Tlb } from '../engines/mm/index';\n",
      ),
    ).toEqual([]);
    expect(await layerErrors('src-main/engines/ublk/other.ts', "export { createBpf } from '../bpf/index';\n")).toEqual([
      "No engine imports another: ublk imports bpf ('../bpf/index'); engines/kernel.ts links them.",
    ]);
    expect(await layerErrors('src-main/engines/bpf/inside.ts', "export { decodeInsns } from './isa';\n")).toEqual([]);
  });

  it('is a table whose layers each import only layers below them', async () => {
    const { LAYERS } = (await import(pathToFileURL(path.join(root, 'eslint.config.js')).href)) as {
      LAYERS: { name: string; may: string[] }[];
    };
    const seen = new Set<string>();
    for (const l of LAYERS) {
      for (const m of l.may) expect(seen.has(m), `${l.name} may import ${m}, listed above it`).toBe(true);
      seen.add(l.name);
    }
    expect([...seen]).toEqual(
      expect.arrayContaining(['engines', 'sandbox', 'session', 'host', 'oracle', 'labs', 'workspace', 'renderer']),
    );
  });
});

/** Files and the files they import (type-only imports included: a cycle of types is a cycle of design). */
function importGraph(dirs: readonly string[]): Map<string, string[]> {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(p);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) files.push(p);
    }
  };
  for (const d of dirs) walk(path.join(root, d));
  const resolve = (from: string, spec: string): string | undefined => {
    const base = path.resolve(path.dirname(from), spec.replace(/\?.*$/, ''));
    for (const c of [base, base + '.ts', base.replace(/\.js$/, '.ts'), path.join(base, 'index.ts')]) {
      try {
        if (c.endsWith('.ts') && statSync(c).isFile()) return c;
      } catch {
        // not this candidate
      }
    }
    return undefined;
  };
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const sf = ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.ES2022, false);
    const deps = new Set<string>();
    const visit = (n: ts.Node): void => {
      let spec: string | undefined;
      if (
        (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) &&
        n.moduleSpecifier &&
        ts.isStringLiteral(n.moduleSpecifier)
      )
        spec = n.moduleSpecifier.text;
      else if (
        ts.isCallExpression(n) &&
        n.expression.kind === ts.SyntaxKind.ImportKeyword &&
        n.arguments[0] &&
        ts.isStringLiteral(n.arguments[0])
      )
        spec = n.arguments[0].text;
      if (spec?.startsWith('.')) {
        const to = resolve(f, spec);
        if (to && to !== f) deps.add(path.relative(root, to).split(path.sep).join('/'));
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    graph.set(path.relative(root, f).split(path.sep).join('/'), [...deps]);
  }
  return graph;
}

/** Tarjan's strongly connected components of more than one file: each is an import cycle, its files sorted. */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return out.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** Cycles still open (none: add one here only with the reason it cannot be broken yet). */
const KNOWN_CYCLES: string[][] = [];

describe('import cycles', () => {
  it('finds a cycle where there is one, however long, and none in a tree', () => {
    expect(
      importCycles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a', 'd']],
          ['d', []],
        ]),
      ),
    ).toEqual([['a', 'b', 'c']]);
    expect(
      importCycles(
        new Map([
          ['a', ['b', 'c']],
          ['b', ['c']],
          ['c', []],
        ]),
      ),
    ).toEqual([]);
  });

  it('the TypeScript sources have none but the known ones', () => {
    const graph = importGraph(['src-main', 'src-renderer', 'scripts', 'e2e', 'labs']);
    expect(graph.get('src-main/engines/mm/mm.ts')).toContain('src-main/engines/mm/page_alloc.ts');
    const fresh = importCycles(graph).filter((c) => !KNOWN_CYCLES.some((k) => JSON.stringify(k) === JSON.stringify(c)));
    expect(fresh, 'import cycles (files in each strongly connected component)').toEqual([]);
  });
});

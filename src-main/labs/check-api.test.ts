/**
 * check-api.d.ts, the checker's typings the app's editor loads: it is what src-main/labs/types.ts generates, it
 * compiles on its own, and with it a check.js gets completion and hover for ctx (asked of TypeScript's language
 * service, which Monaco runs) and type-checks against the machine the checker really sees.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_MODULE, generateCheckApi } from '../../scripts/gen-check-api';
import { labsDir, resolveLab } from './labs';
import { scaffoldLab } from './scaffold';

const dtsFile = new URL('./check-api.d.ts', import.meta.url);
const dts = readFileSync(dtsFile, 'utf8');
const ANNOTATION = `/** @type {import('${CHECK_MODULE}').Criterion[]} */`;

/** A language service over check-api.d.ts and the given JS files, with the editor's options (checkJs for `diagnostics`). */
function service(files: Record<string, string>, checkJs = false): ts.LanguageService {
  const all: Record<string, string> = { '/check-api.d.ts': dts, ...files };
  const options: ts.CompilerOptions = {
    allowJs: true,
    checkJs,
    strict: false,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    lib: ['lib.es2022.d.ts'],
    types: [],
  };
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => options,
    getScriptFileNames: () => Object.keys(all),
    getScriptVersion: () => '1',
    getScriptSnapshot: (name) => {
      const text = all[name] ?? (ts.sys.fileExists(name) ? ts.sys.readFile(name) : undefined);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => '/',
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (name) => name in all || ts.sys.fileExists(name),
    readFile: (name) => all[name] ?? ts.sys.readFile(name),
  };
  return ts.createLanguageService(host);
}

let made: string;
let template: string;
beforeAll(async () => {
  made = await mkdtemp(path.join(tmpdir(), 'kl-check-api-'));
  await scaffoldLab(path.join(made, '10-typed'));
  template = await readFile(path.join(made, '10-typed', 'check.js'), 'utf8');
});
afterAll(() => rm(made, { recursive: true, force: true }));

describe('check-api.d.ts', () => {
  it('is what src-main/labs/types.ts generates (run `npm run gen:api` after changing the checker API or the engines)', () => {
    expect(dts).toBe(generateCheckApi());
  });

  it('type-checks on its own, as the editor loads it', () => {
    const program = ts.createProgram([dtsFile.pathname], {
      noEmit: true,
      strict: true,
      lib: ['lib.es2022.d.ts'],
      types: [],
    });
    expect(ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual(
      [],
    );
  });

  it("lab new's check.js names the typings, and type-checks against them", () => {
    expect(template).toContain(ANNOTATION);
    const ls = service({ '/lab/check.js': template }, true);
    const diags = [...ls.getSemanticDiagnostics('/lab/check.js'), ...ls.getSyntacticDiagnostics('/lab/check.js')];
    expect(diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  });

  it('completes ctx and the machine in a check.js, and explains them on hover', () => {
    const text = `${ANNOTATION}
export default [
  {
    name: 'n',
    hint: 'h',
    check: (ctx) => ctx.params.pages === ctx.k.mm.meminfo().DirectMap4k,
  },
];
`;
    const ls = service({ '/lab/check.js': text });
    const names = (at: number): string[] =>
      ls.getCompletionsAtPosition('/lab/check.js', at, {})?.entries.map((e) => e.name) ?? [];
    const after = (s: string): number => text.indexOf(s) + s.length;
    expect(names(after('(ctx) => ctx.'))).toEqual(
      expect.arrayContaining(['result', 'output', 'error', 'kernels', 'k', 'seed', 'params', 'boot']),
    );
    expect(names(after('ctx.k.'))).toEqual(expect.arrayContaining(['mm', 'bpf', 'ublk']));
    expect(names(after('ctx.k.mm.'))).toEqual(expect.arrayContaining(['meminfo']));
    // A criterion's own members complete too.
    const outer = text.indexOf("name: 'n'");
    expect(names(outer)).toEqual(expect.arrayContaining(['name', 'hint', 'check']));
    const hover = (s: string): string => {
      const q = ls.getQuickInfoAtPosition('/lab/check.js', text.indexOf(s) + 1)!;
      return `${ts.displayPartsToString(q.displayParts)}\n${ts.displayPartsToString(q.documentation)}`;
    };
    expect(hover('params.pages')).toMatch(/params: Record<string, string \| number>\n.*drawn from the seed/);
    expect(hover('k.mm')).toMatch(/k: Kernel/);
  });

  it('`lab new --from` adds the typings to the copied checker, and the copy still loads in Node', async () => {
    const dir = path.join(made, '11-from-01');
    await scaffoldLab(dir, resolveLab('01'));
    const text = await readFile(path.join(dir, 'check.js'), 'utf8');
    expect(text).toContain(`${ANNOTATION}\nexport default [`);
    const mod = (await import(pathToFileURL(path.join(dir, 'check.js')).href)) as { default: { name: string }[] };
    expect(mod.default.length).toBeGreaterThan(0);
  });

  it('types every built-in checker once it names the typings (`lab new --from` copies them)', () => {
    const files: Record<string, string> = {};
    for (const id of readdirSync(labsDir()).filter((d) => /^\d\d-/.test(d))) {
      const text = readFileSync(path.join(labsDir(), id, 'check.js'), 'utf8');
      files[`/${id}/check.js`] = text.includes(ANNOTATION)
        ? text
        : text.replace(/^export default \[/m, `${ANNOTATION}\nexport default [`);
    }
    const ls = service(files);
    for (const [f, text] of Object.entries(files)) {
      // The first criterion that reads the machines: `k` or `kernels` of its context, or the context itself.
      const m = /check:\s*\(\s*(?:\{[^}]*?\b(k|kernels)\b|(ctx)\b)/.exec(text.slice(text.indexOf(ANNOTATION)))!;
      const name = m[1] ?? m[2]!;
      const at = text.indexOf(ANNOTATION) + m.index + m[0].length - name.length;
      const q = ls.getQuickInfoAtPosition(f, at);
      // Untyped, the editor would say `any`.
      expect([f, ts.displayPartsToString(q?.displayParts)]).toEqual([
        f,
        expect.stringMatching(/\b\w+: (Kernel|Kernel\[\]|CheckContext)$/),
      ]);
    }
  });
});

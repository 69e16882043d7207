/** Monaco, set up for lab scripts: JavaScript and TypeScript modes with the lab API's typings, and markers. */
import * as monaco from 'monaco-editor';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import TsWorker from 'monaco-editor/language/typescript/ts.worker?worker';
import labApiTypes from '../src-main/sandbox/lab-api.d.ts?raw';

// The editor's worker, and the TypeScript language worker for both script languages.
self.MonacoEnvironment = {
  getWorker: (_moduleId: string, label: string) =>
    label === 'typescript' || label === 'javascript' ? new TsWorker() : new EditorWorker(),
};

const compilerOptions: monaco.typescript.CompilerOptions = {
  target: monaco.typescript.ScriptTarget.ES2020,
  allowNonTsExtensions: true,
  noLib: false,
  lib: ['es2022'],
  strict: false,
  checkJs: false,
  // Every script is a module of its own (TypeScript's ModuleDetectionKind.Force = 3): two open files that both
  // say `const k = boot()` must not see each other's declarations. Declaration files (the lab API) stay global.
  moduleDetection: 3,
};
for (const defaults of [monaco.typescript.javascriptDefaults, monaco.typescript.typescriptDefaults]) {
  defaults.setCompilerOptions(compilerOptions);
  defaults.addExtraLib(labApiTypes, 'file:///kernel-lab/lab-api.d.ts');
}

/**
 * A script that uses the lab API, checked once in each language's worker at start. The first check of a program
 * is the slow one: the worker loads TypeScript (7 MB), parses and binds the es2022 libs and lab-api.d.ts and
 * resolves the global types. Done here, while nobody waits, the first file a person opens is checked in about
 * the time of the editor's 500 ms typing pause.
 */
const WARM_UP = "const k = boot({ memory: '1G' });\nprint(k.mm.meminfo().MemFree);\n";

/**
 * Starts the TypeScript and JavaScript workers and has each check WARM_UP in a model of its own (never shown,
 * disposed after), so the libs are parsed before the first file needs them. Measured as `ts-warm-up`.
 */
/**
 * The language's worker client. Monaco registers it once the language's first model has loaded its mode (an
 * asynchronous import), and refuses ("TypeScript not registered!") until then: asked again until it is there.
 */
async function languageWorker(
  language: Language,
): Promise<(...uris: monaco.Uri[]) => Promise<monaco.typescript.TypeScriptWorker>> {
  const get = language === 'typescript' ? monaco.typescript.getTypeScriptWorker : monaco.typescript.getJavaScriptWorker;
  for (let attempt = 0; ; attempt++) {
    try {
      return await get();
    } catch (e) {
      if (attempt >= 100) throw e;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export async function warmUpLanguageWorkers(): Promise<void> {
  performance.mark('ts-warm-up-start');
  // TypeScript first (its diagnostics are the ones a person waits for), then JavaScript's completions.
  for (const language of ['typescript', 'javascript'] as const) {
    const uri = monaco.Uri.parse(`file:///kernel-lab/warm-up.${language === 'typescript' ? 'ts' : 'js'}`);
    const model = monaco.editor.getModel(uri) ?? monaco.editor.createModel(WARM_UP, language, uri);
    try {
      const worker = await (await languageWorker(language))(uri);
      await worker.getSemanticDiagnostics(uri.toString());
    } catch {
      // A worker that cannot start shows no diagnostics later either: nothing more to do here.
    } finally {
      model.dispose();
    }
    performance.measure(`ts-warm-up-${language}`, 'ts-warm-up-start');
  }
}

let checkApi: Promise<void> | undefined;

/**
 * A lab's checker (check.js) gets the checker API's typings (`import('kernel-lab/check')` in its JSDoc): loaded the
 * first time one opens, as they are large (the engines' machine as the checker sees it).
 */
export function isChecker(path: string): boolean {
  return /(^|\/)check\.(js|mjs|ts)$/.test(path);
}

function loadCheckApi(): Promise<void> {
  checkApi ??= import('../src-main/labs/check-api.d.ts?raw').then(({ default: text }) => {
    for (const defaults of [monaco.typescript.javascriptDefaults, monaco.typescript.typescriptDefaults])
      defaults.addExtraLib(text, 'file:///kernel-lab/check-api.d.ts');
  });
  return checkApi;
}

export type Language = 'javascript' | 'typescript';

export function languageOf(path: string): Language {
  return /\.(ts|mts|cts)$/.test(path) ? 'typescript' : 'javascript';
}

export function createEditor(container: HTMLElement): monaco.editor.IStandaloneCodeEditor {
  return monaco.editor.create(container, {
    theme: 'vs-dark',
    automaticLayout: true,
    fontSize: 13,
    minimap: { enabled: false },
    scrollBeyondLastLine: false,
    tabSize: 2,
    fixedOverflowWidgets: true,
  });
}

/** One model per workspace file, so that undo history survives switching files. */
export function modelFor(path: string, content: string): monaco.editor.ITextModel {
  const uri = monaco.Uri.parse(`file:///workspace/${path}`);
  const existing = monaco.editor.getModel(uri);
  if (existing) return existing;
  if (isChecker(path)) void loadCheckApi();
  return monaco.editor.createModel(content, languageOf(path), uri);
}

/** Shows a run's error as a marker on its line:column (or clears the markers with `undefined`). */
export function setRunMarker(
  model: monaco.editor.ITextModel,
  error: { line: number; column: number; message: string } | undefined,
): void {
  if (!error) {
    monaco.editor.setModelMarkers(model, 'kernel-lab', []);
    return;
  }
  const word = model.getWordAtPosition({ lineNumber: error.line, column: error.column });
  monaco.editor.setModelMarkers(model, 'kernel-lab', [
    {
      severity: monaco.MarkerSeverity.Error,
      message: error.message,
      startLineNumber: error.line,
      startColumn: error.column,
      endLineNumber: error.line,
      endColumn: word ? word.endColumn : error.column + 1,
      source: 'Kernel Lab',
    },
  ]);
}

export { monaco };

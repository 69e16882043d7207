// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));

/**
 * The layer table: each part of the app, bottom first, and the parts it may import besides itself (third-party
 * packages aside). Imports point down only; the rule `kernel-lab/layers` below enforces the table, and
 * scripts/structure.test.ts proves it fails on a wrong-way import. Tests (and their fixtures and helpers) may
 * reach across layers: an engine's test asks the oracle, a sandbox test decodes with the renderer's reader.
 */
export const LAYERS = [
  {
    name: 'contract',
    paths: ['src-main/contract.ts', 'src-main/contract-machine.ts', 'src-main/ipc-channels.ts'],
    may: [],
  },
  { name: 'engines', paths: ['src-main/engines/'], may: [] },
  { name: 'workspace', paths: ['src-main/workspace/'], may: ['contract'] },
  { name: 'oracle', paths: ['src-main/oracle/'], may: ['engines', 'contract'] },
  { name: 'clang', paths: ['src-main/clang/'], may: ['engines'] },
  { name: 'sandbox', paths: ['src-main/sandbox/'], may: ['engines', 'oracle', 'clang', 'contract'] },
  { name: 'labs', paths: ['src-main/labs/'], may: ['engines', 'workspace', 'clang', 'contract'] },
  {
    name: 'session',
    paths: ['src-main/session/'],
    may: ['engines', 'oracle', 'clang', 'sandbox', 'labs', 'workspace', 'contract'],
  },
  { name: 'rpc', paths: ['src-main/rpc.ts'], may: ['session', 'labs', 'oracle', 'workspace', 'contract'] },
  { name: 'host', paths: ['src-main/host/'], may: ['rpc', 'labs', 'workspace', 'contract'] },
  {
    name: 'main',
    paths: ['src-main/main.ts', 'src-main/preload.ts'],
    may: ['host', 'rpc', 'labs', 'workspace', 'contract'],
  },
  // The renderer knows only the contract (its types: see the renderer's block below) and the typings Monaco shows.
  {
    name: 'renderer',
    paths: ['src-renderer/'],
    may: ['contract'],
    mayFiles: ['src-main/sandbox/lab-api.d.ts', 'src-main/labs/check-api.d.ts'],
  },
  {
    name: 'scripts',
    paths: ['scripts/', 'e2e/'],
    may: ['main', 'host', 'rpc', 'session', 'labs', 'sandbox', 'clang', 'oracle', 'workspace', 'engines', 'contract'],
  },
];

/** Imports the table allows one file and no other: `lab validate` runs a lab's solution in a session. */
const LAYER_EXCEPTIONS = [{ from: 'src-main/labs/validate.ts', to: 'session' }];

/** The engines: everyone outside one imports it through its index.ts; no engine imports another. */
const ENGINES = ['bpf', 'mm', 'ublk'];
/**
 * An engine's tools built on its index.ts (benchmarks, fuzzers, invariant checkers): index.ts cannot re-export
 * them without a cycle, so they are imported by path. Test files may also take an engine's fixtures.
 */
const ENGINE_TOOLS = ['bpf/bench', 'bpf/bpf_object_fuzz', 'bpf/invariants', 'ublk/invariants'];
/**
 * Files that import an engine's parts by path on purpose: the conformance plugin is bundled and started once per
 * test case, so it takes the interpreter and the JIT alone, not the whole engine behind index.ts.
 */
const ENGINE_PATH_IMPORTERS = ['scripts/conformance-plugin/plugin.ts'];

const TEST_FILE = /(\.test|\.spec|\.fixtures?)\.ts$|(^|\/)test-util\.ts$|(^|\/)fixtures\//;

/** @param {string} rel a path relative to the repository, with forward slashes */
function layerOf(rel) {
  return LAYERS.find((l) =>
    l.paths.some((p) => (p.endsWith('/') ? rel.startsWith(p) : rel === p || rel === p.replace(/\.ts$/, ''))),
  );
}

/** The one rule that keeps imports pointing down: the layer table, and engines only through their index.ts. */
const layersRule = {
  meta: {
    type: 'problem',
    docs: {
      description: 'Imports follow the layer table in eslint.config.js; engines are imported through their index.ts.',
    },
    schema: [],
  },
  /** @param {import('eslint').Rule.RuleContext} context */
  create(context) {
    const from = path.relative(root, context.filename).split(path.sep).join('/');
    const fromLayer = layerOf(from);
    const isTest = TEST_FILE.test(from);
    /** @param {any} node the import's source literal */
    const check = (node) => {
      if (!node || node.type !== 'Literal' || typeof node.value !== 'string' || !node.value.startsWith('.')) return;
      const to = path
        .relative(root, path.resolve(path.dirname(context.filename), node.value.replace(/\?.*$/, '')))
        .split(path.sep)
        .join('/');
      const toLayer = layerOf(to);
      if (fromLayer && toLayer && fromLayer !== toLayer && !isTest) {
        const allowed =
          fromLayer.may.includes(toLayer.name) ||
          (fromLayer.mayFiles ?? []).includes(to) ||
          LAYER_EXCEPTIONS.some((e) => e.from === from && e.to === toLayer.name);
        if (!allowed) {
          context.report({
            node,
            message: `The layer table does not let ${fromLayer.name} import ${toLayer.name} ('${node.value}'): imports point down only (eslint.config.js).`,
          });
          return;
        }
      }
      const m = /^src-main\/engines\/([^/]+)(?:\/(.*))?$/.exec(to);
      if (!m || !ENGINES.includes(m[1])) return;
      const engine = m[1];
      if (from.startsWith(`src-main/engines/${engine}/`)) return;
      const fromEngine = ENGINES.find((e) => from.startsWith(`src-main/engines/${e}/`));
      if (fromEngine) {
        context.report({
          node,
          message: `No engine imports another: ${fromEngine} imports ${engine} ('${node.value}'); engines/kernel.ts links them.`,
        });
      } else if (
        m[2] !== undefined &&
        !/^index(\.[jt]s)?$/.test(m[2]) &&
        !ENGINE_TOOLS.includes(`${engine}/${m[2]}`) &&
        !ENGINE_PATH_IMPORTERS.includes(from) &&
        !(isTest && m[2].startsWith('fixtures/'))
      ) {
        context.report({
          node,
          message: `Outside the ${engine} engine, import it through its index.ts ('${node.value}'): export what you need there.`,
        });
      }
    };
    return {
      ImportDeclaration: (n) => check(n.source),
      ExportNamedDeclaration: (n) => check(n.source),
      ExportAllDeclaration: (n) => check(n.source),
      ImportExpression: (n) => check(n.source),
    };
  },
};

const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

export default tseslint.config(
  // check-api.d.ts is TypeScript's own declaration output (scripts/gen-check-api.ts), checked by its unit test.
  {
    ignores: [
      'out/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'dist/**',
      'src-main/labs/check-api.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { 'kernel-lab': { rules: { layers: layersRule } } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'kernel-lab/layers': 'error',
    },
  },
  {
    // Engines are plain TypeScript: they run in the main process, workers, the CLI and tests alike.
    files: ['src-main/engines/**/*.ts'],
    languageOptions: { globals: { ...globals.es2022 } },
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'Engines know nothing of Electron.' },
            ...nodeBuiltins.map((name) => ({ name, message: 'Engines must not import Node-only modules.' })),
          ],
          patterns: [{ group: ['node:*'], message: 'Engines must not import Node-only modules.' }],
        },
      ],
      'no-restricted-globals': [
        'error',
        'window',
        'document',
        'navigator',
        'process',
        'require',
        'Buffer',
        '__dirname',
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Engines are deterministic: use the seeded PRNG.' },
        { object: 'Date', property: 'now', message: 'Engines use virtual time.' },
      ],
    },
  },
  {
    // Lab scripts (starters, solutions, examples) run in the sandbox: its globals, and starters may leave TODOs.
    files: [
      'labs/**/starter.{js,ts}',
      'labs/**/solution.{js,ts}',
      'labs/**/run-c.js',
      'src-renderer/examples/**/*.{js,ts}',
    ],
    languageOptions: {
      globals: {
        ...globals.es2022,
        boot: 'readonly',
        print: 'readonly',
        lab: 'readonly',
        KernelError: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-unused-vars': 'off', 'no-unused-vars': 'off' },
  },
  {
    // A lab's C driver is a lab script too, with the submission the lab runner defines (src-main/labs/c-submission.ts).
    files: ['labs/**/run-c.js'],
    languageOptions: { globals: { submission: 'readonly' } },
  },
  {
    // The renderer knows only the contract, and only its types.
    files: ['src-renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer never sees Electron: use window.lab.' }],
          patterns: [
            { group: ['node:*'], message: 'The renderer never sees Node.' },
            {
              // The contract (types only, below) and the typings text Monaco shows are the only exceptions.
              regex: 'src-main/(?!contract$|sandbox/lab-api\\.d\\.ts\\?raw$|labs/check-api\\.d\\.ts\\?raw$)',
              message: 'The renderer imports nothing from src-main but the contract.',
            },
            {
              group: ['**/src-main/contract'],
              allowTypeImports: true,
              message: 'Import the contract with `import type`.',
            },
          ],
        },
      ],
    },
  },
);

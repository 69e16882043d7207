// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'tls', 'url', 'util',
  'v8', 'vm', 'worker_threads', 'zlib',
];

export default tseslint.config(
  // check-api.d.ts is TypeScript's own declaration output (scripts/gen-check-api.ts), checked by its unit test.
  { ignores: ['out/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'dist/**', 'src-main/labs/check-api.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
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
          patterns: [
            { group: ['node:*'], message: 'Engines must not import Node-only modules.' },
            { group: ['**/session/*', '**/host/*', '**/sandbox/*', '**/main', '**/preload'], message: 'Engines sit at the bottom: they import nothing above them.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'process', 'require', 'Buffer', '__dirname'],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Engines are deterministic: use the seeded PRNG.' },
        { object: 'Date', property: 'now', message: 'Engines use virtual time.' },
      ],
    },
  },
  {
    // Lab scripts (starters, solutions, examples) run in the sandbox: its globals, and starters may leave TODOs.
    files: ['labs/**/starter.{js,ts}', 'labs/**/solution.{js,ts}', 'labs/**/run-c.js', 'src-renderer/examples/**/*.{js,ts}'],
    languageOptions: {
      globals: { ...globals.es2022, boot: 'readonly', print: 'readonly', lab: 'readonly', KernelError: 'readonly', console: 'readonly' },
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
            { group: ['**/src-main/contract'], allowTypeImports: true, message: 'Import the contract with `import type`.' },
          ],
        },
      ],
    },
  },
);

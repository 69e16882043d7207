/**
 * The lab's command line: `npm run lab -- run FILE [--seed N] [--json] [--timeout MS]` runs a script headless
 * through the same session code and limits as the app. Exit status: 0 success, 1 the script threw (or hit a
 * limit), 2 bad usage.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS, type RunError } from '../src-main/contract';
import { startRun } from '../src-main/session/session';

const USAGE = `usage: npm run lab -- run FILE [--seed N] [--json] [--timeout MS]

  run FILE        run a lab script (.js or .ts) headless and print its output
  --seed N        seed of every PRNG of the run (default 1)
  --json          print one JSON object { output, result, error, stats } instead
  --timeout MS    deadline of the run in milliseconds (default ${DEFAULT_LIMITS.timeoutMs})`;

function usage(message?: string): never {
  if (message) console.error(`lab: ${message}`);
  console.error(USAGE);
  process.exit(2);
}

function formatError(e: RunError): string {
  const where = e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : '';
  const head = e.kind === 'limit' || e.kind === 'stopped' ? e.message : `${where}${e.name}: ${e.message}${e.errno ? ` [${e.errno}]` : ''}`;
  return e.stack && e.kind !== 'syntax' ? `${head}\n${e.stack.replace(/^/gm, '    ')}` : head;
}

async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        seed: { type: 'string' },
        json: { type: 'boolean', default: false },
        timeout: { type: 'string' },
      },
    });
  } catch (e) {
    usage((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) usage(positionals.length ? 'run takes one FILE' : 'run needs a FILE');
  const file = positionals[0]!;
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) usage(`--seed takes a whole number from 0 to 4294967295, not '${values.seed}'`);
  const timeoutMs = values.timeout === undefined ? DEFAULT_LIMITS.timeoutMs : Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 10 || timeoutMs > 3_600_000) usage(`--timeout takes milliseconds from 10 to 3600000, not '${values.timeout}'`);
  let code: string;
  try {
    code = await readFile(file, 'utf8');
  } catch (e) {
    usage(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const json = values.json;
  let output = '';
  const handle = startRun(
    {
      code,
      filename: path.basename(file),
      language: /\.(ts|mts|cts)$/.test(file) ? 'typescript' : 'javascript',
      seed,
      limits: { timeoutMs },
    },
    (event) => {
      if (event.type === 'output') {
        if (json) output += event.text;
        else (event.stream === 'stderr' ? process.stderr : process.stdout).write(event.text);
      } else if (event.type === 'progress' && !json && process.stderr.isTTY) {
        process.stderr.write(`\r${event.fraction !== undefined ? `${Math.round(event.fraction * 100)}% ` : ''}${event.message}\x1b[K\r`);
      }
    },
  );
  process.once('SIGINT', () => void handle.stop());
  const done = await handle.done;
  if (json) {
    process.stdout.write(
      JSON.stringify({ output, result: done.result ?? null, error: done.error ?? null, stats: done.stats }) + '\n',
    );
  } else if (done.error) {
    process.stderr.write(formatError(done.error) + '\n');
  }
  return done.ok ? 0 : 1;
}

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  switch (cmd) {
    case 'run':
      process.exitCode = await run(rest);
      break;
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE);
      process.exitCode = cmd ? 0 : 2;
      break;
    default:
      usage(`unknown command '${cmd}'`);
  }
}

await main();

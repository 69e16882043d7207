/**
 * A non-negative integer option of a command-line script (`--name N`), or its fallback; anything else exits 2
 * with a one-line reason.
 */
export function intArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < 0) {
    console.error(`--${name} takes a non-negative integer, not ${process.argv[i + 1] ?? 'nothing'}`);
    process.exit(2);
  }
  return v;
}

/**
 * The renderer's Content-Security-Policy, for both hosts: what Monaco needs (its web workers from blob:, inline
 * styles it injects, data: images and fonts) and nothing more. QuickJS runs on the main side, so the renderer
 * needs no WebAssembly and no eval.
 */
export function rendererCsp(connect: string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "worker-src 'self' blob:",
    `connect-src 'self'${connect.length ? ' ' + connect.join(' ') : ''}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

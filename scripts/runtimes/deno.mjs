// Deno from the `deno` npm package (node_modules/.bin/deno), quiet and offline.
import { join } from 'node:path';
import { root, run } from './process.mjs';

export const denoBin = join(root, 'node_modules', '.bin', 'deno');

/** `deno <args>` from the repository root; resolves { code, stdout, stderr }. */
export function runDeno(args, options = {}) {
  return run(denoBin, args, {
    ...options,
    env: { DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1', ...options.env },
  });
}

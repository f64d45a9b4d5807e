// Deno from .runtime-tools (see tools.mjs): the real binary, quiet and offline.
import { run } from './process.mjs';
import { toolBinary, toolsDir } from './tools.mjs';

/** The deno binary, or a path under .runtime-tools that does not exist when it is not installed. */
export const denoBin = toolBinary('deno') ?? `${toolsDir}/node_modules/.bin/deno (not installed: npm test installs it)`;

/** `deno <args>` from the repository root; resolves { code, stdout, stderr }. */
export function runDeno(args, options = {}) {
  return run(denoBin, args, {
    ...options,
    env: { DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1', ...options.env },
  });
}

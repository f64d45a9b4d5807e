// Where the runtime test tools live: .runtime-tools/ has its own package.json and lock (deno,
// workerd), installed by scripts/ensure-runtimes.mjs with `npm ci --prefix .runtime-tools`, so the
// library's locked tree is never re-resolved. The npm packages' bins are Node wrappers that spawn
// the real binary; killing a wrapper orphans the binary, so the tests start the binary itself.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { root } from './process.mjs';

export const toolsDir = join(root, '.runtime-tools');
const exe = process.platform === 'win32' ? '.exe' : '';
/** Where each tool's platform package keeps its binary. */
const binaries = { deno: `deno${exe}`, workerd: `bin/workerd${exe}` };

/** The versions .runtime-tools/package.json pins, by tool name. */
export function pinnedTools() {
  return JSON.parse(readFileSync(join(toolsDir, 'package.json'), 'utf8')).dependencies;
}

/**
 * The real binary of `name` ('deno' or 'workerd'): the one platform package among the tool's
 * optionalDependencies that npm installed. Undefined when the tool is not installed.
 */
export function toolBinary(name) {
  const require = createRequire(join(toolsDir, 'package.json'));
  let pkg;
  try {
    pkg = require(`${name}/package.json`);
  } catch {
    return undefined;
  }
  const from = createRequire(require.resolve(`${name}/package.json`));
  for (const platformPkg of Object.keys(pkg.optionalDependencies ?? {})) {
    let manifest;
    try {
      manifest = from.resolve(`${platformPkg}/package.json`);
    } catch {
      continue; // another platform's build: not installed here
    }
    const bin = join(dirname(manifest), binaries[name]);
    if (existsSync(bin)) return bin;
  }
  return undefined;
}

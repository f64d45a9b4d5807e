// Deno and workerd run the cross-runtime tests. They ship as platform-binary npm packages, kept
// out of the library's package.json and lock: .runtime-tools/ has its own package.json and lock
// file, and this script runs `npm ci --prefix .runtime-tools` (exact versions from that lock, no
// re-resolution, nothing in ./node_modules touched) when a tool is missing or at another version.
// Run by `npm test`.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinnedTools, toolBinary, toolsDir } from './runtimes/tools.mjs';

const stale = Object.entries(pinnedTools()).filter(([name, version]) => {
  const manifest = join(toolsDir, 'node_modules', name, 'package.json');
  return !existsSync(manifest) || JSON.parse(readFileSync(manifest, 'utf8')).version !== version || !toolBinary(name);
});
if (stale.length) {
  console.log(`installing runtime test tools into .runtime-tools: ${stale.map(([n, v]) => `${n}@${v}`).join(' ')}`);
  // --ignore-scripts: the binaries come as platform optionalDependencies; the install scripts
  // would only download what is already there.
  execFileSync('npm', ['ci', '--prefix', toolsDir, '--ignore-scripts', '--no-audit', '--no-fund'], { stdio: 'inherit' });
}

// Deno and workerd run the cross-runtime tests. They ship as platform-binary npm packages whose
// other-platform builds are not on every registry mirror, which breaks `npm ci` when they sit in
// devDependencies (the lock file cannot list them). So package.json pins them under
// "runtimeTestTools" and this script installs them, without touching package.json or the lock,
// when they are missing or at another version. Run by `npm test`.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const wanted = Object.entries(pkg.runtimeTestTools ?? {});
const missing = wanted.filter(([name, version]) => {
  const path = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  return !existsSync(path) || JSON.parse(readFileSync(path, 'utf8')).version !== version;
});
if (missing.length) {
  const specs = missing.map(([name, version]) => `${name}@${version}`);
  console.log(`installing runtime test tools: ${specs.join(' ')}`);
  execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', ...specs], {
    stdio: 'inherit',
    cwd: new URL('..', import.meta.url),
  });
}

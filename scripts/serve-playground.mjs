// The browser playground (examples/playground/): bundles its page script with esbuild, copies the
// library's browser files beside it (the page bundle, the training and kernel-thread workers and
// the four wasm builds), and serves it on 127.0.0.1 with the Fashion-MNIST files under /data/.
//   npm run playground                    → http://127.0.0.1:8080/ (cross-origin isolated: threads)
//   node scripts/serve-playground.mjs [--port N] [--no-isolation] [--data DIR]
// COOP/COEP make the page cross-origin isolated, so the training worker may run kernel threads;
// --no-isolation serves the same page without them (single-threaded), as plain static hosting would.
import { copyFileSync, createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { homedir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
export const playgroundDir = join(root, 'examples', 'playground');
const dist = join(playgroundDir, 'dist');

/** What the page needs from `npm run build`, copied into dist/ beside the page bundle. */
const LIBRARY_FILES = [
  'fit-worker.js',
  'threads-worker.js',
  'dendrite.wasm',
  'dendrite-threads.wasm',
  'dendrite-relaxed.wasm',
  'dendrite-threads-relaxed.wasm',
];

/** The four Fashion-MNIST files, gzip or raw; the page asks for the .gz name first. */
const DATA_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/**
 * Bundle examples/playground/src/main.ts into dist/main.js. `dendrite` resolves to the built
 * browser entry (build/browser.js), as a bundler resolves the package for an app; that bundle finds
 * dendrite*.wasm and fit-worker.js beside itself (import.meta.url), so they are copied next to it.
 */
export async function buildPlayground() {
  const missing = ['browser.js', ...LIBRARY_FILES].filter((f) => !existsSync(join(root, 'build', f)));
  if (missing.length) throw new Error(`build/${missing[0]} is missing: run "npm run build" first`);
  mkdirSync(dist, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: [join(playgroundDir, 'src', 'main.ts')],
    outfile: join(dist, 'main.js'),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    external: ['node:*'], // only on the library's Node-only paths, never reached in a page
    alias: { dendrite: join(root, 'build', 'browser.js') },
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  for (const f of LIBRARY_FILES) copyFileSync(join(root, 'build', f), join(dist, f));
}

/**
 * The first folder holding all four Fashion-MNIST files: $DENDRITE_DATA, Debian's package, the
 * user cache (as datasets.fashionMnist looks, without downloading). A `given` folder is the only
 * place looked.
 */
export function findDataDir(given) {
  const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'dendrite', 'fashion-mnist');
  const candidates = given ? [given] : [process.env.DENDRITE_DATA, '/usr/share/datasets/fashion-mnist', cache].filter(Boolean);
  return candidates.find((dir) => DATA_FILES.every((f) => existsSync(join(dir, `${f}.gz`)) || existsSync(join(dir, f))));
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.gz': 'application/gzip',
};

/**
 * Serve the playground (build it first with buildPlayground). Resolves with { url, dataDir, close() }.
 * `isolated` adds COOP/COEP (threads possible); `dataDir` (found by findDataDir when not given)
 * is served under /data/. Port 0 picks a free port.
 */
export function servePlayground({ port = 0, isolated = true, dataDir = findDataDir() } = {}) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file;
    if (path.startsWith('/data/')) {
      const name = path.slice('/data/'.length);
      if (!dataDir || !DATA_FILES.some((f) => name === f || name === `${f}.gz`)) return send(res, 404, 'not found');
      file = join(dataDir, name);
    } else {
      file = normalize(join(playgroundDir, path.endsWith('/') ? `${path}index.html` : path));
      if (!file.startsWith(playgroundDir + sep)) return send(res, 403, 'forbidden');
    }
    if (!existsSync(file) || !statSync(file).isFile()) return send(res, 404, 'not found');
    const headers = {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': statSync(file).size,
      'cache-control': 'no-store',
      // No eval anywhere (dendrite needs none); wasm compilation is allowed by 'wasm-unsafe-eval'.
      'content-security-policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; img-src 'self' data: blob:",
    };
    if (isolated) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
      headers['cross-origin-resource-policy'] = 'same-origin';
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}/`;
      resolve({ url, dataDir, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

function send(res, status, text) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  const args = process.argv.slice(2);
  const value = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const known = new Set(['--port', '--no-isolation', '--data']);
  const unknown = args.find((a, i) => a.startsWith('--') && !known.has(a) && !['--port', '--data'].includes(args[i - 1]));
  if (unknown) {
    console.error(`unknown option ${unknown}\nusage: node scripts/serve-playground.mjs [--port N] [--no-isolation] [--data DIR]`);
    process.exit(2);
  }
  const isolated = !args.includes('--no-isolation');
  const port = Number(value('--port') ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port takes a port number (0 for any free one), got ${value('--port')}`);
    process.exit(2);
  }
  const dataDir = findDataDir(value('--data'));
  if (value('--data') && !dataDir) {
    console.error(`playground: ${value('--data')} does not hold the four Fashion-MNIST files (${DATA_FILES.join(', ')}, each raw or .gz)`);
    process.exit(1);
  }
  try {
    await buildPlayground();
  } catch (e) {
    console.error(`playground: ${e.message}`);
    process.exit(1);
  }
  let served;
  try {
    served = await servePlayground({ port, isolated, dataDir });
  } catch (e) {
    if (e.code !== 'EADDRINUSE' || value('--port')) throw e;
    served = await servePlayground({ port: 0, isolated, dataDir }); // 8080 is taken: any free port
  }
  console.log(`dendrite playground: open ${served.url}`);
  console.log(isolated ? '  cross-origin isolated (COOP/COEP): training may use several threads' : '  served without COOP/COEP: training runs single-threaded');
  console.log(
    dataDir
      ? `  Fashion-MNIST from ${dataDir}`
      : '  Fashion-MNIST not found (apt-get install dataset-fashion-mnist, or --data DIR): the page will ask for the four files',
  );
  console.log('  Ctrl-C to stop');
}

// What a user installs and what the test run leaves installed: `npm pack` ships build/, README and
// LICENSE (no src/ or assembly/ copies nothing loads); the bundles import nothing but node: built-ins,
// so the package needs no dependencies; no npm config key npm does not know; onnxruntime-node's
// install script (it fetches CUDA libraries from nuget) is denied; and the installed tree is exactly
// the lock's — `npm test` installs its runtime tools in .runtime-tools/, never into node_modules.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const npm = (args: string[]) => spawnSync('npm', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });

describe('the published package', () => {
  const packed = () => {
    const r = npm(['pack', '--dry-run', '--json', '--ignore-scripts']);
    expect(r.status, r.stderr).toBe(0);
    return (JSON.parse(r.stdout)[0].files as { path: string }[]).map((f) => f.path);
  };

  it('carries build/, README.md, LICENSE and package.json, and no sources it never loads', () => {
    const files = packed();
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'build/index.js', 'build/cli.js', 'build/dendrite.wasm', 'build/types/index.d.ts']));
    const stray = files.filter((f) => !(f.startsWith('build/') || ['LICENSE', 'README.md', 'package.json'].includes(f)));
    expect(stray).toEqual([]);
    // Without source maps, sources would be dead weight: neither ships.
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    // Every file the exports map, main, types and bin point at is in the package.
    const targets = new Set<string>([pkg.main, pkg.types, ...Object.values(pkg.bin as Record<string, string>)]);
    const walk = (v: unknown): void => void (typeof v === 'string' ? targets.add(v) : v && typeof v === 'object' && Object.values(v).forEach(walk));
    walk(pkg.exports);
    for (const t of targets) expect(files, t).toContain(t.replace(/^\.\//, ''));
  });

  it('has an MIT LICENSE, as package.json says', () => {
    expect(pkg.license).toBe('MIT');
    const text = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(text).toMatch(/^MIT License\n\nCopyright \(c\) 2026 dendrite contributors\n/);
    expect(text).toContain('THE SOFTWARE IS PROVIDED "AS IS"');
  });

  it('needs no dependencies: the bundles import only node: built-ins and their own files', () => {
    expect(pkg.dependencies ?? {}).toEqual({});
    const bare = new Set<string>();
    for (const f of readdirSync(join(root, 'build')).filter((f) => f.endsWith('.js'))) {
      const code = readFileSync(join(root, 'build', f), 'utf8');
      for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*|\brequire\s*\(\s*)["']([^"']+)["']/g)) {
        const spec = m[1];
        // Only what reads as a module name (the minified code also has `import "` inside strings).
        if (/^[@\w][\w@/.:-]*$/.test(spec) && !spec.startsWith('node:')) bare.add(`${f}: ${spec}`);
      }
    }
    expect([...bare]).toEqual([]);
  });
});

describe('installing', () => {
  it('npm knows every project config key (no "Unknown project config" on every command)', () => {
    const r = npm(['config', 'get', 'registry']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/Unknown project config/);
  });

  it("denies onnxruntime-node's install script, so no GPU libraries are fetched; the CPU build it ships works", async () => {
    expect(pkg.allowScripts?.['onnxruntime-node']).toBe(false);
    const bin = join(root, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', process.platform, process.arch);
    expect(readdirSync(bin).filter((f) => /cuda|tensorrt/i.test(f))).toEqual([]);
    const ort = await import('onnxruntime-node');
    expect(typeof ort.InferenceSession.create).toBe('function');
  });

  it('the installed tree is the locked tree: every package at its locked version, nothing extra', () => {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages as Record<string, { version?: string; optional?: boolean; link?: boolean }>;
    const wrong: string[] = [];
    for (const [path, entry] of Object.entries(lock)) {
      if (path === '' || entry.link) continue;
      const manifest = join(root, path, 'package.json');
      if (!existsSync(manifest)) {
        if (!entry.optional) wrong.push(`${path}: missing`); // optional: another platform's build
        continue;
      }
      const version = JSON.parse(readFileSync(manifest, 'utf8')).version;
      if (version !== entry.version) wrong.push(`${path}: ${version}, locked ${entry.version}`);
    }
    expect(wrong).toEqual([]);
    // npm's own view: no extraneous, invalid or missing packages.
    const r = npm(['ls', '--all', '--json']);
    expect(JSON.parse(r.stdout).problems ?? [], r.stderr).toEqual([]);
    expect(r.status).toBe(0);
    // The runtime tools live in their own tree.
    expect(existsSync(join(root, 'node_modules', 'deno')) || existsSync(join(root, 'node_modules', 'workerd'))).toBe(false);
  });
});

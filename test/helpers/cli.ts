// Running the built CLI (build/cli.js) as a user does, and checking what it writes.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOMParser, type Document } from '@xmldom/xmldom';

export const cliPath = join(import.meta.dirname, '..', '..', 'build', 'cli.js');

export interface Run {
  code: number | null;
  out: string;
  err: string;
}

const env = (extra: Record<string, string> = {}) => ({ ...process.env, DENDRITE_OFFLINE: '1', CI: '', ...extra });

/** Run `dendrite ...args` in `cwd` and wait for it. */
export function runCli(cwd: string, args: string[], extraEnv?: Record<string, string>): Run {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', cwd, env: env(extraEnv) });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Start `dendrite ...args`; `lines` collects stdout as it comes. */
export function startCli(cwd: string, args: string[]): { child: ChildProcess; stdout: () => string; done: Promise<Run> } {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: env() });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, out, err })));
  return { child, stdout: () => out, done };
}

/** Parse an SVG file as strict XML (any well-formedness error throws) and return the document. */
export function readSvg(path: string): Document {
  const text = readFileSync(path, 'utf8');
  const doc = new DOMParser({
    onError: (level: string, message: string) => {
      throw new Error(`${path} is not well-formed XML (${level}): ${message}`);
    },
  }).parseFromString(text, 'image/svg+xml');
  if (doc.documentElement?.tagName !== 'svg') throw new Error(`${path}: root element is ${doc.documentElement?.tagName}, expected svg`);
  return doc;
}

/** The points of every <polyline data-series>, by series name. */
export function seriesOf(doc: Document): Record<string, [number, number][]> {
  const out: Record<string, [number, number][]> = {};
  const lines = doc.getElementsByTagName('polyline');
  for (let i = 0; i < lines.length; i++) {
    const el = lines.item(i)!;
    out[el.getAttribute('data-series')!] = el
      .getAttribute('points')!
      .trim()
      .split(/\s+/)
      .map((p) => p.split(',').map(Number) as [number, number]);
  }
  return out;
}

/** A small seeded generator (LCG), uniform in [0, 1). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

export const FLOWER_CLASSES = ['setosa', 'versi color', 'virginica'];

/**
 * A learnable 3-class CSV with a header: 4 features on very different scales and offsets (so a
 * model only works on them normalised), label names in the last column, one of them quoted.
 */
export function writeFlowersCsv(path: string, rows: number, seed: number): { features: number[][]; labels: number[] } {
  const rand = lcg(seed);
  const offset = [1000, -50, 0, 3];
  const scale = [100, 0.01, 1, 10];
  const features: number[][] = [];
  const labels: number[] = [];
  const lines = ['sepal length,sepal width,petal length,petal width,species'];
  for (let i = 0; i < rows; i++) {
    const c = i % 3;
    const f = [0, 1, 2, 3].map((j) => Number((offset[j] + scale[j] * (((c + j) % 3) * 1.5 + rand() * 1.2)).toFixed(5)));
    features.push(f);
    labels.push(c);
    lines.push(`${f.join(',')},${c === 1 ? '"versi color"' : FLOWER_CLASSES[c]}`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return { features, labels };
}

/** Parse the CLI's CSV output (no quoted fields) into objects. */
export function parseSimpleCsv(text: string): Record<string, string>[] {
  const [head, ...rows] = text.trim().split('\n');
  const cols = head.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i], v])));
}

// The file system as a hostile user arranges it (issue 17, items 1–2): saves never replace what is
// not a regular file (FIFOs, folders, symlinks to them), never write into the parent of a path
// ending in "/", refuse a missing folder by name, and clean up temp files a killed save left;
// loads read the header length, then the header, then exactly the data it describes — so
// /dev/zero, a README, a sparse 3 GB file are refused after a few bytes, and a FIFO loads.
import { execFileSync, spawnSync } from 'node:child_process';
import { lstatSync, readdirSync, statSync, symlinkSync, writeFileSync, mkdirSync, openSync, closeSync, ftruncateSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adam, dense, loadModel, ModelFileError, modelCheckpoint, saveTfjs, sequential, ValueError, type Sequential } from '../../src/index.js';

const x = [[0.1, -0.2, 0.3], [1, 0.5, -1], [0, 0, 2]];
let dir = '';
let model: Sequential;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dendrite-files-'));
  model = sequential([dense({ units: 4, activation: 'relu', inputShape: [3] }), dense({ units: 2, activation: 'softmax' })]);
  model.compile({ optimizer: adam(), loss: 'sparseCategoricalCrossentropy' });
  model.build({ seed: 1 });
});
afterAll(async () => {
  model.dispose();
  await rm(dir, { recursive: true, force: true });
});

const fifo = (name: string) => {
  const p = join(dir, name);
  execFileSync('mkfifo', [p]);
  return p;
};

describe('saving replaces only regular files', () => {
  it('refuses a FIFO, a folder and a symlink to either, and leaves them as they were', async () => {
    const pipe = fifo('pipe.dnd');
    await expect(model.save(pipe)).rejects.toThrow(ValueError);
    await expect(model.save(pipe)).rejects.toThrow(/pipe\.dnd": it is a FIFO \(named pipe\), not a regular file/);
    expect(lstatSync(pipe).isFIFO()).toBe(true);
    const folder = join(dir, 'folder.dnd');
    mkdirSync(folder);
    await expect(model.save(folder)).rejects.toThrow(/folder\.dnd": it is a directory, not a regular file/);
    expect(statSync(folder).isDirectory()).toBe(true);
    symlinkSync(pipe, join(dir, 'link-to-pipe.dnd'));
    await expect(model.save(join(dir, 'link-to-pipe.dnd'))).rejects.toThrow(/it is a FIFO \(named pipe\) \(through a symlink\)/);
    symlinkSync(folder, join(dir, 'link-to-folder.dnd'));
    await expect(model.save(join(dir, 'link-to-folder.dnd'))).rejects.toThrow(/it is a directory \(through a symlink\)/);
    expect(lstatSync(pipe).isFIFO()).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a trailing "/" and a missing folder, naming the target; writes nothing', async () => {
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    await expect(model.save(`${sub}/`)).rejects.toThrow(/sub\/": it names a folder, not a file/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const missing = join(dir, 'nope', 'm.dnd');
    await expect(model.save(missing)).rejects.toThrow(ValueError);
    await expect(model.save(missing)).rejects.toThrow(`cannot save to ${JSON.stringify(missing)}: the folder ${JSON.stringify(join(dir, 'nope'))} does not exist`);
    await expect(saveTfjs(model, join(dir, 'no-such-folder'))).rejects.toThrow(/the folder .*no-such-folder" does not exist/);
  });

  it('saveTfjs and checkpoints refuse a folder where their file would go', async () => {
    const out = join(dir, 'tfjs');
    mkdirSync(join(out, 'model.json'), { recursive: true });
    await expect(saveTfjs(model, out)).rejects.toThrow(/model\.json": it is a directory/);
    const pipe = fifo('ckpt.dnd');
    const m = sequential([dense({ units: 2, inputShape: [3] })]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    await expect(m.fit(x, [[0, 1], [1, 0], [0, 0]], { epochs: 1, callbacks: [modelCheckpoint({ path: pipe })] })).rejects.toThrow(/ckpt\.dnd": it is a FIFO/);
    expect(lstatSync(pipe).isFIFO()).toBe(true);
    m.dispose();
  });

  it('removes temp files of the same target left by a dead process, keeps a live one', async () => {
    const target = join(dir, 'stale.dnd');
    const dead = join(dir, '.stale.dnd.2147483646-0123456789abcdef.tmp'); // no such pid on Linux (max 2^22)
    const live = join(dir, `.stale.dnd.${process.pid}-fedcba9876543210.tmp`);
    const other = join(dir, '.other.dnd.2147483646-0123456789abcdef.tmp');
    for (const p of [dead, live, other]) writeFileSync(p, 'partial');
    await model.save(target);
    const left = readdirSync(dir);
    expect(left).not.toContain('.stale.dnd.2147483646-0123456789abcdef.tmp');
    expect(left).toContain(`.stale.dnd.${process.pid}-fedcba9876543210.tmp`);
    expect(left).toContain('.other.dnd.2147483646-0123456789abcdef.tmp');
    expect((await loadModel(target)).predict(x).data).toEqual(model.predict(x).data);
  });
});

describe('bounded reads', () => {
  it('a README is "not a dendrite model file", named, from its first 8 bytes', async () => {
    const readme = join(import.meta.dirname, '..', '..', 'README.md');
    await expect(loadModel(readme)).rejects.toThrow(ModelFileError);
    await expect(loadModel(readme)).rejects.toThrow(/README\.md is not a dendrite model file \(header length \d+ exceeds the limit/);
  });

  it('/dev/zero is refused after 8 bytes (child process: its memory stays small)', () => {
    const cli = join(import.meta.dirname, '..', '..', 'build', 'index.js');
    const script = `import(${JSON.stringify(cli)}).then((d) => d.loadModel('/dev/zero')).catch((e) => {
      console.log(JSON.stringify({ name: e.name, message: e.message, rss: process.resourceUsage().maxRSS }));
    });`;
    // The timeout only stops a broken build from reading forever; the assertions are on what it says.
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    const out = JSON.parse(r.stdout || '{}');
    expect(out.name, r.stderr).toBe('ModelFileError');
    expect(out.message).toBe('/dev/zero is not a dendrite model file (header length is 0; expected a JSON object)');
    expect(out.rss).toBeLessThan(300 * 1024); // KiB: a Node process, not gigabytes of zeros
  });

  it('sparse big files: sizes are checked before the data is read', async () => {
    // A valid header describing a 3 GiB tensor, then a hole: nothing past the header is read.
    const json = JSON.stringify({ __metadata__: { format: 'dendrite' }, w: { dtype: 'F32', shape: [3 * 2 ** 28], data_offsets: [0, 3 * 2 ** 30] } });
    const huge = join(dir, 'huge.dnd');
    const header = Buffer.alloc(8 + json.length);
    header.writeUInt32LE(json.length, 0);
    header.write(json, 8);
    writeFileSync(huge, header);
    const fd = openSync(huge, 'r+');
    ftruncateSync(fd, header.length + 3 * 2 ** 30);
    closeSync(fd);
    await expect(loadModel(huge)).rejects.toThrow(/huge\.dnd holds 3221225472 bytes of tensors; a model can have at most 2147483648/);
    // 1.5 GB of nothing: "header length is 0" at once.
    const zeros = join(dir, 'zeros.dnd');
    writeFileSync(zeros, '');
    const z = openSync(zeros, 'r+');
    ftruncateSync(z, 1.5e9);
    closeSync(z);
    await expect(loadModel(zeros)).rejects.toThrow(/zeros\.dnd is not a dendrite model file \(header length is 0/);
    // A header that claims more tensor bytes than the file holds.
    const short = join(dir, 'short.dnd');
    writeFileSync(short, header);
    await expect(loadModel(short)).rejects.toThrow(/short\.dnd: tensor "w": data_offsets \[0, 3221225472\] run past the 0-byte data section/);
  });

  it('loads from a FIFO, reading exactly what the header describes', async () => {
    const pipe = fifo('in.dnd');
    const bytes = model.toBytes();
    const [loaded] = await Promise.all([loadModel(pipe), writeFile(pipe, bytes)]);
    expect(loaded.predict(x).data).toEqual(model.predict(x).data);
    loaded.dispose();
    const truncated = fifo('trunc.dnd');
    const header = Buffer.from(model.toBytes().subarray(0, bytes.length - 4));
    const [result] = await Promise.allSettled([loadModel(truncated), writeFile(truncated, header)]);
    expect((result as PromiseRejectedResult).reason.message).toMatch(/trunc\.dnd is truncated: its header describes \d+ bytes of tensors, the file holds \d+/);
  });
});

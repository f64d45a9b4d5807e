// Makes worker threads available to engines (a side-effect import). The entries whose runtimes can
// run them import it: Node and Deno (entries/node.ts), browsers (entries/browser.ts) and the training
// worker (worker/fit-worker.ts). The edge and inline entries leave it out, so their bundles carry no
// thread code: edge workers have no workers, and the inline entry embeds the build without shared
// memory.
import { enableThreads } from '../engine.js';
import { ThreadPool } from './pool.js';
import { ROW_KERNEL_NAMES, splitRows } from './rows.js';
import { SPLITS, splitGemm, splittingKernels } from './split.js';

enableThreads({ start: ThreadPool.start, splitGemm, splitRows, splittingKernels, splittable: [...Object.keys(SPLITS), ...ROW_KERNEL_NAMES] });

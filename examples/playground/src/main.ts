// The playground page: load Fashion-MNIST, build a model from the form (dense or convolutional),
// train it in a Web Worker (fitInWorker) with live charts and, for a CNN, its first convolution's
// filters redrawn every epoch; then show test accuracy and a grid of predictions; download the
// model file and load one back. The page's own thread only draws (once per animation frame) and
// runs short chunks of inference, so it stays responsive while the worker trains.
// In an app, `import ... from 'dendrite'` resolves to the package's browser entry just the same.
import { type EngineInfo, fitInWorker, init, loadModel, type OptimizerName, type Sequential, sequential, type Weight, type WorkerFit } from 'dendrite';
import { LineChart } from './chart.js';
import { CLASS_NAMES, type Dataset, inputs, loadPicked, loadServed } from './data.js';
import { drawFilters, firstConvKernel } from './filters.js';
import { type Prediction, renderGrid } from './grid.js';
import { clock, Progress } from './progress.js';
import { makeModel, optimizerChoices, parseLayers, PRESETS } from './spec.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const input = (id: string) => $<HTMLInputElement>(id); // also the layers <textarea>: same value / validity calls

type Phase = 'loading' | 'no-data' | 'ready' | 'training' | 'paused' | 'stopping' | 'evaluating';

/** Everything worth reading from outside, e.g. `playground` in the console (and the e2e test). */
const app = {
  phase: 'loading' as Phase,
  engine: undefined as EngineInfo | undefined,
  data: undefined as Dataset | undefined,
  model: undefined as Sequential | undefined,
  job: undefined as WorkerFit | undefined,
  progress: undefined as Progress | undefined,
  /** The last evaluation on the whole test split (rows, loss, accuracy), and every test row's prediction. */
  test: undefined as { rows: number; loss: number; accuracy: number } | undefined,
  predicted: undefined as { label: Uint8Array; probability: Float32Array } | undefined,
  /** Longest gap between two animation frames during the last training run (ms), and frames seen. */
  frames: { maxGap: 0, count: 0 },
  charts: {} as { loss: LineChart; accuracy: LineChart },
  /** Every drawing of the first convolution's filters: after which epoch (-1: as initialised), its colour scale and pixels (RGBA). */
  filters: [] as { epoch: number; scale: number; pixels: Uint8ClampedArray }[],
  runs: 0,
  /** The last run ended by Stop before its last epoch. */
  stopped: false,
  error: undefined as string | undefined,
};
(window as unknown as { playground: typeof app }).playground = app;

const lossChart = new LineChart($<HTMLCanvasElement>('loss-chart'));
const accuracyChart = new LineChart($<HTMLCanvasElement>('accuracy-chart'), { yMax: 1, format: (y) => y.toFixed(2) });
app.charts = { loss: lossChart, accuracy: accuracyChart };
let chartsDirty = true;
let sample = pickSample(0);

// ---- start-up ---------------------------------------------------------------------------------

for (const name of optimizerChoices) $<HTMLSelectElement>('optimizer').add(new Option(name, name, name === 'adam', name === 'adam'));
app.engine = await init();
describeEngine(app.engine);
setupThreads(app.engine);
new Progress(lossChart, accuracyChart, Number(input('epochs').value)); // empty charts with their legends
previewModel();
requestAnimationFrame(frame);
void loadData(() => loadServed(dataStatus)).then((found) => found || showMissing());

input('data-files').addEventListener('change', () => {
  const files = [...(input('data-files').files ?? [])];
  if (files.length) void loadData(() => loadPicked(files));
});
input('layers').addEventListener('input', () => {
  $<HTMLSelectElement>('preset').value = presetOf(input('layers').value);
  previewModel();
});
input('layers').addEventListener('keydown', (e) => {
  // A textarea (long CNN lists wrap), but Enter trains as in the other fields: items are comma-separated.
  if (e.key === 'Enter') {
    e.preventDefault();
    $<HTMLFormElement>('controls').requestSubmit();
  }
});
$<HTMLSelectElement>('preset').addEventListener('change', () => {
  const preset = PRESETS[$<HTMLSelectElement>('preset').value as keyof typeof PRESETS];
  if (!preset) return;
  input('layers').value = preset.layers;
  input('rows').value = String(Math.min(preset.rows, app.data?.train.rows ?? preset.rows));
  input('epochs').value = String(preset.epochs);
  previewModel();
});
$('controls').addEventListener('submit', (e) => {
  e.preventDefault();
  void train();
});
$('pause').addEventListener('click', () => {
  const job = app.job;
  if (!job) return;
  if (job.status === 'paused') job.resume();
  else job.pause();
  setPhase(job.status === 'paused' ? 'paused' : 'training');
});
$('stop').addEventListener('click', () => {
  app.job?.stop();
  app.stopped = true;
  setPhase('stopping');
});
$('download').addEventListener('click', () => void app.model?.save('downloads://fashion-mnist'));
input('model-file').addEventListener('change', () => void loadModelFile());
$('resample').addEventListener('click', () => {
  sample = pickSample(sample.seed + 1);
  showPredictions();
});
input('mistakes').addEventListener('change', showPredictions);

// ---- data -------------------------------------------------------------------------------------

async function loadData(load: () => Promise<Dataset | undefined>): Promise<boolean> {
  setPhase('loading');
  try {
    const data = await load();
    if (!data) return false;
    app.data = data;
    dataStatus(`${data.train.rows.toLocaleString('en-US')} training and ${data.test.rows.toLocaleString('en-US')} test images (${data.source})`, 'ready');
    input('rows').max = String(data.train.rows);
    if (Number(input('rows').value) > data.train.rows) input('rows').value = String(data.train.rows);
    sample = pickSample(sample.seed);
    app.test = app.predicted = undefined; // they were about the previous test images
    setPhase('ready');
    previewModel();
    if (app.model?.built) await evaluate();
    else showPredictions();
    return true;
  } catch (e) {
    dataStatus(`could not load the data: ${(e as Error).message}${app.data ? '; still using the images loaded before' : ''}`, 'error');
    setPhase(app.data ? 'ready' : 'no-data');
    return true;
  }
}

function showMissing(): void {
  dataStatus('Fashion-MNIST is not served beside this page: pick its four files below (or run npm run playground with the dataset installed).', 'missing');
  setPhase('no-data');
}

function dataStatus(text: string, state = 'loading'): void {
  const p = $('data-status');
  p.textContent = text;
  p.dataset.state = state;
}

// ---- model and training -----------------------------------------------------------------------

/** Show the summary of the model the form describes (or what is wrong with it). */
function previewModel(): void {
  if (app.phase === 'training' || app.phase === 'paused' || app.phase === 'stopping') return;
  const error = $('layers-error');
  try {
    const m = sequential(parseLayers(input('layers').value, ...imageSize(), CLASS_NAMES.length), { name: 'playground' });
    $('summary').textContent = m.summary({ print: false });
    m.dispose();
    error.hidden = true;
    input('layers').setCustomValidity('');
  } catch (e) {
    error.textContent = (e as Error).message;
    error.hidden = false;
    input('layers').setCustomValidity((e as Error).message);
  }
}

const imageSize = () => (app.data ? [app.data.train.height, app.data.train.width] : [28, 28]) as [number, number];
const inputWidth = () => imageSize()[0] * imageSize()[1];
const presetOf = (layers: string) => Object.entries(PRESETS).find(([, p]) => p.layers === layers.trim())?.[0] ?? 'custom';

/** The form's numbers, checked; throws a message naming the field. */
function readForm() {
  const data = app.data!;
  const num = (id: string, what: string, min: number, max = Infinity, integer = true) => {
    const v = input(id).valueAsNumber;
    if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw new Error(`${what}: expected ${integer ? 'a whole number' : 'a number'} from ${min}${max < Infinity ? ` to ${max}` : ''}, got "${input(id).value}"`);
    }
    return v;
  };
  return {
    rows: num('rows', 'Training images', 10, data.train.rows),
    validationSplit: num('validation', 'Validation split', 0, 0.5, false),
    learningRate: num('lr', 'Learning rate', 1e-7, 10, false),
    batchSize: num('batch', 'Batch size', 1, 65536),
    epochs: num('epochs', 'Epochs', 1, 1000),
    seed: num('seed', 'Seed', 0, 2 ** 32 - 1),
    threads: Number($<HTMLSelectElement>('threads').value),
    optimizer: $<HTMLSelectElement>('optimizer').value as OptimizerName,
  };
}

async function train(): Promise<void> {
  const data = app.data;
  if (!data || app.job) return;
  const formError = $('form-error');
  formError.hidden = true;
  let model: Sequential;
  let o: ReturnType<typeof readForm>;
  try {
    o = readForm();
    model = makeModel(input('layers').value, ...imageSize(), CLASS_NAMES.length, o.optimizer, o.learningRate);
  } catch (e) {
    formError.textContent = (e as Error).message;
    formError.hidden = false;
    return;
  }
  app.model?.dispose();
  app.model = model;
  app.test = app.predicted = undefined;
  app.error = undefined;
  app.stopped = false;
  app.frames = { maxGap: 0, count: 0 };
  $('summary').textContent = model.summary({ print: false });
  $('test-result').textContent = 'training…';
  const progress = (app.progress = new Progress(lossChart, accuracyChart, o.epochs));
  chartsDirty = true;
  setPhase('training');
  try {
    // The worker gets its own copy of the chosen rows (fitInWorker copies, then transfers the copy).
    app.job = fitInWorker(model, inputs(data.train, 0, o.rows), data.train.labels.subarray(0, o.rows), {
      epochs: o.epochs,
      batchSize: o.batchSize,
      validationSplit: o.validationSplit,
      seed: o.seed,
      threads: o.threads,
      progressInterval: 0, // every batch: the charts draw at most once per frame anyway
      epochWeights: model.layers.some((l) => l.type === 'Conv2D'), // a copy per epoch, for the filter images
      onProgress(e) {
        if (progress.onEvent(e)) chartsDirty = true;
        if (e.type === 'trainBegin') showWorkerThreads(progress);
        if (e.type === 'epoch' && e.weights) showFilters(model, e.weights, e.epoch);
      },
    });
    app.filters = [];
    showFilters(model, model.getWeights(), -1); // fitInWorker built the model: its initial filters
    showPredictions(); // the previous model's predictions went with it
    await app.job.result;
  } catch (e) {
    // E.g. a NumericError (the loss diverged: try a smaller learning rate); the model keeps its
    // weights from before training, so there is nothing new to evaluate.
    app.error = `${(e as Error).name}: ${(e as Error).message}`;
  }
  app.job = undefined;
  app.runs++;
  chartsDirty = true;
  if (!app.error) return evaluate();
  $('test-result').textContent = `training failed: ${app.error}`;
  setPhase('ready');
  showPredictions();
}

function showWorkerThreads(p: Progress): void {
  $('worker-threads').textContent = String(p.threads);
  $('worker-threads').title = p.threadsReason;
  // Not isolated, the note set up at start-up already says why (and the engine's words).
  if (p.threads > 1) $('threads-note').textContent = `The training worker runs ${p.threads} kernel threads.`;
  else if (crossOriginIsolated) $('threads-note').textContent = `The training worker runs single-threaded: ${p.threadsReason}.`;
}

/** Loss and accuracy on the whole test split and every row's prediction, in short chunks between frames. */
async function evaluate(): Promise<void> {
  const { model, data } = app;
  if (!model || !data) return;
  setPhase('evaluating');
  const test = data.test;
  const label = new Uint8Array(test.rows);
  const probability = new Float32Array(test.rows);
  let loss = 0;
  let correct = 0;
  // Chunks of ≈ 10 ms, so no frame is missed for long: 500 rows of the default MLP, fewer of a CNN.
  let chunk = 100;
  try {
    for (let start = 0, end = 0; start < test.rows; start = end) {
      end = Math.min(test.rows, start + chunk);
      const began = performance.now();
      const x = inputs(test, start, end);
      const logs = model.evaluate(x, test.labels.subarray(start, end), { batchSize: chunk });
      loss += logs.loss * (end - start);
      correct += Math.round(logs.accuracy * (end - start)); // a count: the same for any chunking
      const p = model.predict(x, { batchSize: chunk });
      p.argMax().forEach((c, i) => {
        label[start + i] = c;
        probability[start + i] = p.data[i * p.cols + c];
      });
      chunk = Math.max(20, Math.min(2000, Math.round((chunk * 10) / Math.max(1, performance.now() - began))));
      await yieldToPage();
    }
    app.test = { rows: test.rows, loss: loss / test.rows, accuracy: correct / test.rows };
    app.predicted = { label, probability };
    $('test-result').textContent = `test accuracy ${(app.test.accuracy * 100).toFixed(2)} %, loss ${app.test.loss.toFixed(4)} (${test.rows.toLocaleString('en-US')} images)`;
  } catch (e) {
    app.error = `${(e as Error).name}: ${(e as Error).message}`;
    $('test-result').textContent = `could not evaluate: ${(e as Error).message}`;
  }
  setPhase('ready');
  showPredictions();
}

async function loadModelFile(): Promise<void> {
  const file = input('model-file').files?.[0];
  input('model-file').value = ''; // picking the same file again loads it again
  if (!file || app.job) return;
  const status = $('model-status');
  try {
    const model = await loadModel(file);
    if (model.inputDim !== inputWidth() || model.outputUnits !== CLASS_NAMES.length) {
      model.dispose();
      throw new Error(`${file.name} takes ${model.inputDim} inputs and gives ${model.outputUnits} outputs; this page needs ${inputWidth()} → ${CLASS_NAMES.length}`);
    }
    app.model?.dispose();
    app.model = model;
    $('summary').textContent = model.summary({ print: false });
    app.filters = [];
    showFilters(model, model.getWeights(), model.epochsTrained - 1, `from ${file.name}`);
    status.textContent = `loaded ${file.name} (${model.countParams().toLocaleString('en-US')} parameters)`;
    await evaluate();
  } catch (e) {
    status.textContent = `could not load ${file.name}: ${(e as Error).message}`;
  }
}

// ---- filters ------------------------------------------------------------------------------------

/** Draw the first convolution's filters from `weights` (the model's, after `epoch`; -1: initial), or hide them. */
function showFilters(model: Sequential, weights: Weight[], epoch: number, when = epoch < 0 ? 'as initialised' : `after epoch ${epoch + 1}`): void {
  const kernel = firstConvKernel(model, weights);
  $('filters-panel').hidden = !kernel;
  if (!kernel) return;
  const { scale, pixels } = drawFilters($('filters'), kernel);
  app.filters.push({ epoch, scale, pixels });
  const [kh, kw, , cout] = kernel.shape;
  $('filters-caption').textContent = `${cout} filters of ${kh}×${kw}, ${when}; colour scale ±${scale.toPrecision(2)}`;
}

// ---- predictions grid -------------------------------------------------------------------------

/** A reproducible choice of test rows: `seed` picks which 40. */
function pickSample(seed: number): { seed: number; order: number[] } {
  const rows = app.data?.test.rows ?? 0;
  const order = Array.from({ length: rows }, (_, i) => i);
  let s = (seed * 2654435761 + 12345) >>> 0;
  for (let i = rows - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return { seed, order };
}

function showPredictions(): void {
  const data = app.data;
  if (!data) return;
  const p = app.predicted;
  const mistakes = input('mistakes').checked;
  const rows = p ? sample.order.filter((r) => !mistakes || p.label[r] !== data.test.labels[r]).slice(0, 40) : [];
  const predictions: Prediction[] = p ? rows.map((row) => ({ row, predicted: p.label[row], probability: p.probability[row] })) : [];
  const empty = p ? 'no mistakes among the test images' : app.job ? 'predictions appear when training ends' : 'train a model (or load one) to see its predictions on test images';
  renderGrid($('grid'), data.test, predictions, empty);
  $<HTMLButtonElement>('resample').disabled = !p;
}

// ---- page state -------------------------------------------------------------------------------

function setPhase(phase: Phase): void {
  app.phase = phase;
  const busy = phase === 'training' || phase === 'paused' || phase === 'stopping' || phase === 'evaluating' || phase === 'loading';
  for (const fs of document.querySelectorAll<HTMLFieldSetElement>('#controls fieldset')) fs.disabled = busy && phase !== 'loading';
  $<HTMLButtonElement>('train').disabled = busy || !app.data;
  $<HTMLButtonElement>('pause').disabled = phase !== 'training' && phase !== 'paused';
  $<HTMLButtonElement>('pause').textContent = phase === 'paused' ? 'Resume' : 'Pause';
  $<HTMLButtonElement>('stop').disabled = phase !== 'training' && phase !== 'paused';
  $<HTMLButtonElement>('download').disabled = busy || !app.model?.built;
  $('state').textContent = phase === 'ready' ? (app.error ? 'failed' : app.stopped ? 'stopped' : app.runs ? 'done' : 'ready') : phase === 'no-data' ? 'waiting for data' : phase;
}

function describeEngine(info: EngineInfo): void {
  const isolation = crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated';
  $('engine').textContent = `engine: ${info.build} build${info.sharedMemory ? ', shared memory' : ''} · ${isolation} · ${navigator.hardwareConcurrency} cores`;
}

function setupThreads(info: EngineInfo): void {
  const select = $<HTMLSelectElement>('threads');
  const cores = Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1));
  const possible = info.sharedMemory ? cores : 1;
  // Default: half the cores (at most 4), leaving the rest to the page, the browser and everything
  // else; on a busy 2-core machine a second kernel thread costs more in waiting than it gains.
  const preferred = Math.max(1, Math.min(4, Math.floor(possible / 2)));
  for (let n = 1; n <= possible; n++) select.add(new Option(String(n), String(n), false, n === preferred));
  select.disabled = possible === 1;
  $('threads-note').textContent = info.sharedMemory
    ? `The page is cross-origin isolated: the training worker may run up to ${cores} kernel threads (same results for any count).`
    : `Single-threaded: the page is not cross-origin isolated (served without COOP/COEP). The engine says: ${info.threadsReason}.`;
}

/** The animation loop: redraw the charts when they changed, update the clocks, and measure frame gaps. */
let lastFrame = 0;
function frame(now: number): void {
  const training = app.phase === 'training' || app.phase === 'stopping';
  if (training && lastFrame) {
    app.frames.maxGap = Math.max(app.frames.maxGap, now - lastFrame);
    app.frames.count++;
  }
  lastFrame = now;
  const p = app.progress;
  if (p) {
    $('epoch').textContent = p.epochs ? `${Math.min(p.epoch + 1, p.epochs)} / ${p.epochs}` : '–';
    $('speed').textContent = p.samplesPerSec ? Math.round(p.samplesPerSec).toLocaleString('en-US') : '–';
    $('elapsed').textContent = clock(p.elapsed(now));
    $('eta').textContent = app.phase === 'training' || app.phase === 'paused' ? clock(p.eta(now)) : clock(0);
    $('bar-fill').style.width = `${p.total ? (100 * p.done) / p.total : 0}%`;
  }
  if (app.frames.count) $('frames').textContent = `${app.frames.count} frames, longest ${Math.round(app.frames.maxGap)} ms`;
  if (chartsDirty) {
    chartsDirty = false;
    lossChart.draw();
    accuracyChart.draw();
  }
  requestAnimationFrame(frame);
}

/** A macrotask later: the page may draw and handle input in between (unlike a microtask). */
function yieldToPage(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

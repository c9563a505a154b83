// The sandboxed scoring child: opens one bundle, predicts the given test images, writes a result file; never sees labels.
import { stat } from 'node:fs/promises';
import { dirname, posix } from 'node:path';
import { errorMessage, isSketchboardError } from '../../../core/errors.js';
import { type RunnerMessage, type StartMessage, startMessageSchema, writeResultFile } from './protocol.js';

/** Send one structured message to the supervisor; resolves once it is handed to the channel. */
function send(message: RunnerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, undefined, () => resolve());
  });
}

/** One line a team can read: the first line of the message, without stack frames, bounded. */
function oneLine(err: unknown): string {
  const first = errorMessage(err).split('\n')[0]?.trim() || 'unknown error';
  return first.length > 500 ? `${first.slice(0, 497)}...` : first;
}

async function fail(code: string, err: unknown): Promise<never> {
  await send({ type: 'error', code, message: oneLine(err) });
  process.exit(1);
}

/**
 * Load the bundle opener, the predictor and the ONNX runtime before reporting `ready`, so a warm child
 * starts a job at once. Dynamic, so that a broken install is reported as such rather than a silent exit.
 */
async function load() {
  const [open, predictor, models, manifest, references, backends, onnx] = await Promise.all([
    import('../../../core/bundle/open.js'),
    import('../../../core/predict/predictor.js'),
    import('../../../core/predict/models.js'),
    import('../../../core/bundle/manifest.js'),
    import('../../../core/bundle/references.js'),
    import('../../../core/backends/index.js'),
    import('../../../core/backends/onnx-session.js'),
  ]);
  await onnx.getOrt();
  return {
    openBundle: open.openBundle,
    openBundleDir: open.openBundleDir,
    inferLeaves: predictor.inferLeaves,
    loadBundleModels: models.loadBundleModels,
    disposeAll: models.disposeAll,
    runtimeStamps: models.runtimeStamps,
    listLeaves: manifest.listLeaves,
    modelReferences: references.modelReferences,
    runtimeVersions: backends.runtimeVersions,
  };
}

type Modules = Awaited<ReturnType<typeof load>>;

/** Run one start message to completion: infer the leaves asked for (all by default), write their tables. */
async function run(start: StartMessage, m: Modules): Promise<void> {
  // A bundle uploaded file by file arrives as a folder laid out by the scorer; a zip is extracted here.
  const bundle = (await stat(start.bundlePath)).isDirectory()
    ? await m.openBundleDir(start.bundlePath)
    : await m.openBundle(start.bundlePath, { workDir: dirname(start.resultPath) });
  try {
    const only = start.only ? new Set(start.only) : undefined;
    const leaves = m.listLeaves(bundle.manifest).filter((l) => !only || only.has(l.id));
    if (only && leaves.length !== only.size) throw new Error('the scorer asked for leaves the bundle lacks');
    // Referenced files (shards, external data) by plain name beside each model: part of the cache key.
    const refs: Record<string, string[]> = {};
    for (const leaf of leaves) {
      refs[leaf.model] ??= (await m.modelReferences(bundle.dir, leaf.model)).map((r) => posix.basename(r));
    }
    const load = { executionProviders: start.options.executionProviders, threads: start.options.threads };
    const models = await m.loadBundleModels(bundle, { load, only });
    try {
      const t0 = performance.now();
      let lastSent = 0;
      const tables = await m.inferLeaves(bundle.manifest, models, start.images, {
        batchSize: start.options.batchSize,
        only,
        onProgress: (done: number, total: number) => {
          const now = performance.now();
          if (done === total || now - lastSent > 250) {
            lastSent = now;
            void send({ type: 'progress', done, total });
          }
        },
      });
      const predictSeconds = (performance.now() - t0) / 1000;
      await writeResultFile(start.resultPath, {
        classes: bundle.manifest.classes,
        count: start.images.length,
        leaves: leaves.map((l) => ({ id: l.id, model: l.model })),
        tables,
        refs,
      });
      await send({
        type: 'done',
        resultPath: start.resultPath,
        runtime: m
          .runtimeStamps(models)
          .map((r) => ({ runtime: r.runtime, backend: r.backend, version: r.version })),
        versions: { ...m.runtimeVersions(), node: process.versions.node },
        predictSeconds,
      });
    } finally {
      await m.disposeAll(models);
    }
  } finally {
    await bundle.dispose();
  }
}

process.on('uncaughtException', (err) => void fail('crash', err));
process.on('unhandledRejection', (err) => void fail('crash', err));

process.on('disconnect', () => process.exit(1));

// Ctrl-C in a terminal (and many service managers) signals the whole process group. The supervisor decides
// when a run stops (it kills this child with SIGKILL, and a graceful stop lets the run finish), so the child
// must not die of its parent's SIGINT/SIGTERM: that would fail the team's submission as a crash.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});

load().then(
  (modules) => {
    process.once('message', (raw: unknown) => {
      const parsed = startMessageSchema.safeParse(raw);
      if (!parsed.success) {
        void fail('protocol', new Error('the scorer sent an invalid start message'));
        return;
      }
      run(parsed.data, modules).then(
        () => process.exit(0),
        (err: unknown) => fail(isSketchboardError(err) ? err.code : 'crash', err),
      );
    });
    void send({ type: 'ready' });
  },
  (err: unknown) => fail('runtime_unavailable', err),
);

// API test fixtures: a tiny sketch competition with distinctive IDs, real ONNX bundles, zips, and an app harness.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZipFile } from 'yazl';
import { generateSketchDataset } from '../../core/data/generate.js';
import { createApp } from '../../functions/http/app.js';
import type { ApiConfig } from '../../functions/http/context.js';
import { scoreAttempt } from '../../functions/scorer/attempt.js';
import type { BlobStore } from '../../functions/storage/blob.js';
import { createLocalBlobStore } from '../../functions/storage/local.js';
import { encodeModel } from '../backends/onnx-fixtures.js';
import { type DriverName, openTestServices } from '../helpers/db.js';

export const CLASSES = 4;
export const TEST_PER_CLASS = 6;
export const SIZE = 16;
/** Test items of the last class left out, so the classes have unequal counts. */
export const DROPPED = 4;
/** Every test ID carries this prefix, so a body that mentions any test item is easy to find. */
export const ID_PREFIX = 'sbitem';

/** A competition folder; `labels` is what only the host may know (ID → true target). */
export type DatasetFixture = { dir: string; ids: string[]; labels: Map<string, number> };

/** Generate the tiny set under `root/name` and rename its IDs to `sbitem-<n>-<salt>`. */
export async function makeDataset(root: string, name = 'data'): Promise<DatasetFixture> {
  const dir = join(root, name);
  await generateSketchDataset({
    out: dir,
    classes: CLASSES,
    trainPerClass: 1,
    testPerClass: TEST_PER_CLASS,
    size: SIZE,
    seed: 3,
  });
  const rename = (id: string) => `${ID_PREFIX}-${id}-q7`;
  // Drop the first DROPPED items of the last class, so constant models of different classes score differently.
  const labelRows = (await readFile(join(dir, 'test_labels.csv'), 'utf8')).trim().split('\n').slice(1);
  const dropped = new Set(
    labelRows
      .map((row) => row.split(','))
      .filter(([, , target]) => Number(target) === CLASSES - 1)
      .slice(0, DROPPED)
      .map(([id]) => id),
  );
  const rewrite = async (file: string) => {
    const [header, ...rows] = (await readFile(join(dir, file), 'utf8')).trim().split('\n');
    const kept = rows.map((row) => row.split(',')).filter(([id]) => !dropped.has(id));
    const out = kept.map(([id, ...rest]) => [rename(id), ...rest]);
    await writeFile(join(dir, file), `${[header, ...out.map((r) => r.join(','))].join('\n')}\n`);
    return out;
  };
  await rewrite('test.csv');
  const labels = new Map((await rewrite('test_labels.csv')).map(([id, , target]) => [id, Number(target)]));
  return { dir, ids: [...labels.keys()], labels };
}

/** ONNX model: image [N,1,8,8] → Flatten → Gemm → logits [N, classes]; with zero weights it always predicts `favour`. */
export function constantModel(classes: number, favour: number): Uint8Array {
  const bias = Array.from({ length: classes }, (_, k) => (k === favour ? 5 : 0));
  return encodeModel({
    inputs: [{ name: 'image', dims: ['N', 1, 8, 8] }],
    output: { name: 'logits', dims: ['N', classes] },
    nodes: [
      { opType: 'Flatten', input: ['image'], output: ['flat'], attribute: [{ name: 'axis', type: 2, i: 1 }] },
      {
        opType: 'Gemm',
        input: ['flat', 'w', 'b'],
        output: ['logits'],
        attribute: [{ name: 'transB', type: 2, i: 1 }],
      },
    ],
    inits: [
      { name: 'w', dims: [classes, 64], values: new Array<number>(classes * 64).fill(0) },
      { name: 'b', dims: [classes], values: bias },
    ],
  });
}

/** A manifest object for a single `model.onnx` over 8×8 grey images. */
export function manifest(classes = CLASSES, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 1,
    name: 'constant',
    classes,
    input: { size: [8, 8], channels: 1, layout: 'NCHW', resize: 'stretch' },
    output: 'logits',
    ensemble: { model: 'model.onnx' },
    ...extra,
  };
}

/** Zip `files` in memory (small test archives only). */
export function zip(files: Record<string, string | Uint8Array>): Promise<Buffer> {
  const z = new ZipFile();
  for (const [name, content] of Object.entries(files)) {
    z.addBuffer(Buffer.from(content), name, { mtime: new Date(2020, 0, 1) });
  }
  z.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => chunks.push(c));
    z.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    z.outputStream.on('error', reject);
  });
}

/** A valid bundle whose model always predicts `favour` (different `favour` → different bytes). */
export function goodBundle(favour = 0, classes = CLASSES): Promise<Buffer> {
  return zip({
    'manifest.json': JSON.stringify(manifest(classes, { name: `constant-${favour}` })),
    'model.onnx': constantModel(classes, favour),
  });
}

/** Zip a folder tree (the dataset) in memory, under an optional top-level folder. */
export async function zipDir(dir: string, top = ''): Promise<Buffer> {
  const files: Record<string, Uint8Array> = {};
  const walk = async (rel: string) => {
    for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(child);
      else files[top === '' ? child : `${top}/${child}`] = await readFile(join(dir, child));
    }
  };
  await walk('');
  return zip(files);
}

export const HOST = { Authorization: 'Bearer host-token-for-tests-0123456789' };
export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The app over test services (PGlite or PostgreSQL), a temp blob store and temp upload folders. */
export async function openHarness(driver: DriverName, config: Partial<ApiConfig> = {}) {
  const root = await mkdtemp(join(tmpdir(), 'sb-api-'));
  const services = await openTestServices(driver, { maxActiveSubmissions: 3 });
  const blobs: BlobStore = createLocalBlobStore(join(root, 'blobs'));
  const apiConfig: ApiConfig = {
    maxBundleBytes: 2 * 1024 * 1024,
    maxDatasetBytes: 8 * 1024 * 1024,
    workDir: join(root, 'work'),
    datasetsDir: join(root, 'datasets'),
    ...config,
  };
  await mkdir(apiConfig.workDir, { recursive: true });
  const app = createApp({ services: services.ctx, blobs, config: apiConfig });
  const dataset = await makeDataset(root);
  return {
    root,
    app,
    blobs,
    config: apiConfig,
    dataset,
    ...services,
    /** Run the real scorer once on a queued submission (child process, labels compared server-side). */
    score: (submissionId: string) =>
      scoreAttempt(
        {
          services: services.ctx,
          blobs,
          limits: { timeoutMs: 60_000, memoryMb: 2048 },
          options: { batchSize: 8, executionProviders: ['cpu'], threads: 1 },
          workRoot: join(root, 'scorer'),
        },
        { submissionId, lastAttempt: true },
      ),
    /** Files left in the upload work folder (must be none between requests). */
    leftovers: () => readdir(apiConfig.workDir),
    async close() {
      await services.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export type Harness = Awaited<ReturnType<typeof openHarness>>;

// Benchmark of issue 11's ensemble figures: (a) shared backbone, (b) rescoring a re-voted, fully cached bundle, (c) bytes uploaded.
//
//   npm run bench:ensemble [-- --images 10000 --classes 500 --leaves 15 --shared-images 256]
//
// Not a test: prints figures. Part (b) runs the real scorer path (scoreAttempt on embedded PGlite, local
// blob store, prediction cache on) for a re-voted bundle whose 15 members (real ONNX files) are all
// cached: their keys come from the scorer's own planLeaves, their tables (seeded probabilities) are
// written through the cache as a first scoring would. Target: < 1 s, 0 images inferred, 0 runner children.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { exportLayersModel } from '../core/backends/onnx-export/index.js';
import { packBundle } from '../core/bundle/pack.js';
import { voteLeaves } from '../core/predict/predictor.js';
import { Rng } from '../core/rng.js';
import { submissions } from '../functions/db/schema.js';
import { apiConfigFromEnv } from '../functions/http/app.js';
import { startServer } from '../functions/http/server.js';
import { scoreAttempt } from '../functions/scorer/attempt.js';
import { planLeaves } from '../functions/scorer/cached-run.js';
import { scorerDeps } from '../functions/scorer/worker.js';
import { registerTeam, type ServiceContext, triggerSubmission } from '../functions/services/index.js';
import { type BlobStore, bundleKey } from '../functions/storage/blob.js';
import { createPredictionCache } from '../functions/storage/prediction-cache.js';
import { openBenchScorer } from './lib/scorer-setup.js';
import { sharedBackbonePart } from './lib/shared-backbone.js';
import { measureRevoteUpload } from './lib/upload-bytes.js';

const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '10000' },
    classes: { type: 'string', default: '500' },
    leaves: { type: 'string', default: '15' },
    'shared-images': { type: 'string', default: '256' },
  },
});
const N = Number(args.images);
const CLASSES = Number(args.classes);
const LEAVES = Number(args.leaves);
const SHARED_IMAGES = Number(args['shared-images']);
const SIZE = 8;
const root = join(tmpdir(), `sketchboard-bench-ensemble-${N}x${CLASSES}x${LEAVES}`);

/** A tiny real member: global average pooling then a dense layer to every class, seeded. */
function member(seed: number): Uint8Array {
  const m = tf.sequential();
  m.add(tf.layers.globalAveragePooling2d({ inputShape: [SIZE, SIZE, 3] }));
  m.add(tf.layers.dense({ units: CLASSES, kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
  const bytes = exportLayersModel(m);
  m.dispose();
  return bytes;
}

/** Pack `models` (file name → bytes) under an ensemble tree; returns the zip path. */
async function pack(name: string, models: Map<string, Uint8Array>, ensemble: object): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [file, bytes] of models) await writeFile(join(dir, file), bytes);
  const manifest = {
    version: 1,
    name,
    classes: CLASSES,
    input: { size: [SIZE, SIZE], channels: 3, layout: 'NHWC' },
    output: 'logits',
    ensemble,
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  const out = join(root, `${name}.zip`);
  await packBundle({ manifestPath: join(dir, 'manifest.json'), out });
  return out;
}

/** Part (b): a re-voted bundle of cached members, rescored. */
async function partB(): Promise<string[]> {
  await rm(root, { recursive: true, force: true });
  const testDir = join(root, 'test');
  await mkdir(testDir, { recursive: true });
  // Real image files (the all-cached path checks they exist but never decodes them).
  const png = await sharp({ create: { width: SIZE, height: SIZE, channels: 3, background: '#fff' } })
    .png()
    .toBuffer();
  const items = Array.from({ length: N }, (_, i) => ({
    id: String(i),
    imagePath: `${i}.png`,
    label: i % CLASSES,
  }));
  for (let i = 0; i < N; i += 500)
    await Promise.all(items.slice(i, i + 500).map((it) => writeFile(join(testDir, it.imagePath), png)));

  await tf.setBackend('cpu');
  const models = new Map(Array.from({ length: LEAVES }, (_, i) => [`m${i}.onnx`, member(i + 1)] as const));
  const names = [...models.keys()];
  // The first submission's tree (one soft vote) and the re-vote: the same files, 3 hard-voted families of 5.
  const fam = 5;
  const revote = await pack('revote', models, {
    vote: 'hard',
    members: Array.from({ length: Math.ceil(LEAVES / fam) }, (_, f) => ({
      vote: 'soft',
      members: names.slice(f * fam, f * fam + fam).map((model) => ({ model })),
    })),
  });

  const { database, blobs, ctx, team, bundle, files, close } = await openBenchScorer(root, {
    slug: 'bench-ensemble',
    classes: CLASSES,
    datasetDir: testDir,
    datasetSha256: 'e'.repeat(64),
    items,
    bundleZip: revote,
  });
  const env = {
    maxActiveSubmissions: 1000,
    scorer: {
      concurrency: 1,
      timeoutSeconds: 3600,
      memoryMb: 16_384,
      maxAttempts: 1,
      embedded: false,
      predictionCache: true,
    },
  };
  let spawns = 0;
  const deps = scorerDeps({
    db: database.db,
    blobs,
    env,
    workRoot: join(root, 'work'),
    hooks: { onSpawn: () => void spawns++ },
  });

  // What a first scoring of these members leaves behind: references (none for these ONNX files) and tables.
  const cache = createPredictionCache(blobs);
  for (const f of files) if (f.path.endsWith('.onnx')) await cache.putRefs(f.sha256, []);
  const claimed = {
    teamId: team.id,
    bundle: { ...bundle, blobKey: bundleKey(bundle.sha256), files },
    competition: {
      id: bundle.competitionId,
      slug: 'bench-ensemble',
      classes: CLASSES,
      datasetDir: testDir,
      datasetSha256: 'e'.repeat(64),
    },
  };
  const plan = await planLeaves(deps.cache, claimed, deps.options);
  const rng = new Rng(11);
  for (const leaf of plan.leaves) {
    const table = new Float32Array(N * CLASSES);
    for (let r = 0; r < N; r++) {
      let sum = 0;
      for (let c = 0; c < CLASSES; c++) sum += table[r * CLASSES + c] = rng.next();
      for (let c = 0; c < CLASSES; c++) table[r * CLASSES + c] /= sum;
    }
    const key = plan.keys.get(leaf.id);
    if (!key) throw new Error(`leaf ${leaf.id} has no cache key`);
    await cache.put(key, table, { rows: N, classes: CLASSES });
  }

  const { submission } = await triggerSubmission(ctx, { teamId: team.id, bundleId: bundle.id });
  const t0 = performance.now();
  const out = await scoreAttempt(deps, { submissionId: submission.id, lastAttempt: true });
  const seconds = (performance.now() - t0) / 1000;
  if (out.status !== 'scored') throw new Error(`scorer: ${JSON.stringify(out)}`);
  const [row] = await database.db.select().from(submissions);
  const inference = row.inference!;
  // Where the time goes: the same cache reads and vote, timed alone.
  const t1 = performance.now();
  const tables = new Map<string, Float32Array>();
  for (const leaf of plan.leaves) {
    const hit = await cache.get(plan.keys.get(leaf.id)!, { rows: N, classes: CLASSES });
    if (hit) tables.set(leaf.id, hit.table);
  }
  const t2 = performance.now();
  voteLeaves(bundle.manifest, tables, N);
  const t3 = performance.now();
  const upload = await partC(ctx, blobs, join(root, 'revote'));
  await close();
  await rm(root, { recursive: true, force: true });
  const cached = inference.leaves.filter((l) => l.cached).length;
  return [
    `(b) rescoring a re-voted bundle, every member cached: ${N.toLocaleString('en-US')} images × ${CLASSES} classes × ${LEAVES} leaves (${((N * CLASSES * LEAVES * 4) / 2 ** 20).toFixed(0)} MiB of float32 tables)`,
    `    scoreAttempt (claim → cache reads → vote → accuracy → output.csv → result)  ${seconds.toFixed(3)} s   (target < 1 s)`,
    `      of which: ${LEAVES} cache reads ${((t2 - t1) / 1000).toFixed(3)} s, voteLeaves ${((t3 - t2) / 1000).toFixed(3)} s (timed again alone)`,
    `    images inferred                                                      ${inference.inferredImages}   (target 0)`,
    `    members from cache                                                   ${cached} of ${inference.leaves.length}`,
    `    runner children spawned                                              ${spawns}`,
    '',
    `(c) the same ${upload.files} files (${(upload.bundleBytes / 2 ** 20).toFixed(1)} MiB) by the plan path to a real server (HTTP, tus), then re-voted (a new manifest, the same model files):`,
    `    first upload                                                         ${upload.firstBytes.toLocaleString('en-US')} bytes sent`,
    `    re-vote                                                              ${upload.revoteBytes.toLocaleString('en-US')} bytes sent (${upload.revoteFileBytes} of them file bytes)`,
  ];
}

/** Part (c): the API on 127.0.0.1 over part (b)'s database and blobs; a fresh team uploads, then re-votes. */
async function partC(ctx: ServiceContext, blobs: BlobStore, bundleDir: string) {
  const dataDir = join(root, 'api');
  const server = await startServer({
    env: { port: 0 },
    deps: { services: ctx, blobs, config: apiConfigFromEnv({ dataDir, maxBundleBytes: 64 * 2 ** 30 }) },
    hostname: '127.0.0.1',
  });
  try {
    const { token } = await registerTeam(ctx, 'bench-ensemble', { name: 'uploader', members: ['u'] });
    return await measureRevoteUpload({ server: server.url, token, slug: 'bench-ensemble', bundleDir });
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const lines = ['bench/ensemble (issue 11 item 7)', ''];
  lines.push(...(await sharedBackbonePart(root, { images: SHARED_IMAGES, classes: CLASSES, repeats: 3 })));
  lines.push(...(await partB()));
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();

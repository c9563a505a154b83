// The embedded demo competition `sketch-demo`: generated sketches, a fixed split, and a baseline bundle to submit.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { generateSketchDataset } from '../../core/data/generate.js';
import { log } from '../../core/log.js';
import { buildBaselineBundle } from '../../core/train/baseline.js';
import type { Env } from '../config/env.js';
import { buildTrainZip } from '../intake/data-archives.js';
import { datasetsDirOf, loadDataset } from '../intake/dataset.js';
import { withTestImages } from '../intake/test-images.js';
import { createCompetition, getCompetition } from '../services/competitions.js';
import type { ServiceContext } from '../services/context.js';
import { ServiceError } from '../services/errors.js';
import type { CompetitionView } from '../services/views.js';
import type { BlobStore } from '../storage/blob.js';

/** The demo's slug (a public contract, DESIGN.md). */
export const DEMO_SLUG = 'sketch-demo';

/** Size of the demo set: small enough to generate and score in seconds on a laptop. */
export const DEMO_DATASET = { classes: 10, trainPerClass: 20, testPerClass: 20, seed: 1, size: 96 } as const;

/** How long the demo competition stays open from its creation. */
const DEMO_DAYS = 30;

export type DemoCompetition = {
  competition: CompetitionView;
  created: boolean;
  /** A ready bundle (nearest-centroid baseline) a team can upload to try the flow. */
  baselineBundle: string;
  dataDir: string;
};

/** Folder of the demo's files under the data dir. */
export function demoDir(env: Pick<Env, 'dataDir'>): string {
  return join(env.dataDir, 'demo');
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Create the demo competition on first start (generate sketches, build a baseline bundle, create the
 * competition open for 30 days); on later starts return the existing one. Idempotent.
 *
 * @example
 * const demo = await ensureDemoCompetition(ctx, env, blobs);
 * if (demo.created) console.log(`try: upload ${demo.baselineBundle}`);
 */
export async function ensureDemoCompetition(
  ctx: ServiceContext,
  env: Pick<Env, 'dataDir'>,
  blobs: BlobStore,
): Promise<DemoCompetition> {
  const root = demoDir(env);
  const dataDir = join(root, 'data');
  const baselineBundle = join(root, 'baseline.zip');
  const existing = await getCompetition(ctx, DEMO_SLUG).catch((err: unknown) => {
    if (err instanceof ServiceError && err.code === 'not_found') return null;
    throw err;
  });
  if (existing && (await exists(baselineBundle))) {
    return { competition: existing, created: false, baselineBundle, dataDir };
  }
  if (!existing || !(await exists(join(dataDir, 'test_labels.csv')))) {
    log.info('demo: generating the sketch set', { dir: dataDir, ...DEMO_DATASET });
    await generateSketchDataset({ out: dataDir, ...DEMO_DATASET });
  }
  log.info('demo: building the baseline bundle', { path: baselineBundle });
  await buildBaselineBundle(dataDir, root);
  if (existing) return { competition: existing, created: false, baselineBundle, dataDir };
  const dataset = await loadDataset(dataDir);
  // train.zip for participants (`sketchboard download sketch-demo`), built while the dataset folder is at hand.
  const train = await buildTrainZip(dataDir, join(env.dataDir, 'tmp'), blobs);
  // Like the API: the scorer gets a folder of the test images alone, not the demo's test/ beside its labels.
  const competition = await withTestImages(dataset, datasetsDirOf(env.dataDir), (datasetDir) =>
    createCompetition(ctx, {
      slug: DEMO_SLUG,
      title: 'Sketch demo: 10 hand-drawn classes',
      classes: dataset.classes,
      endsAt: new Date(Date.now() + DEMO_DAYS * 86_400_000),
      datasetDir,
      datasetSha256: dataset.sha256,
      items: dataset.items,
      dataFiles: [train],
    }),
  );
  return { competition, created: true, baselineBundle, dataDir };
}

// The scorer's side of a benchmark: embedded PGlite, local blobs, one open competition, one team and its bundle.
import { join } from 'node:path';
import { digestBundle } from '../../core/bundle/digest.js';
import { openBundle } from '../../core/bundle/open.js';
import { openDatabase } from '../../functions/db/client.js';
import { startQueue } from '../../functions/queue/queue.js';
import {
  createCompetition,
  recordBundle,
  registerTeam,
  type ServiceContext,
} from '../../functions/services/index.js';
import { bundleKey } from '../../functions/storage/blob.js';
import { createLocalBlobStore } from '../../functions/storage/local.js';

/** The competition and the bundle a benchmark scores. */
export type BenchCompetition = {
  slug: string;
  classes: number;
  /** Folder of the test images. */
  datasetDir: string;
  datasetSha256: string;
  items: { id: string; imagePath: string; label: number }[];
  /** Path of the bundle zip the team uploads. */
  bundleZip: string;
};

/**
 * Opens an in-memory database with its queue and a blob store under `root/blobs`, creates the competition
 * (open for an hour either side of now, 1000 submissions a day), registers the team "bench" and records
 * the bundle as an upload would (blob stored, files digested).
 * @example
 * const s = await openBenchScorer(root, { slug: 'bench', classes, datasetDir, datasetSha256, items, bundleZip });
 */
export async function openBenchScorer(root: string, c: BenchCompetition) {
  const database = await openDatabase({ memory: true });
  const queue = await startQueue(database, { maxAttempts: 1, timeoutSeconds: 3600, supervise: false });
  const blobs = createLocalBlobStore(join(root, 'blobs'));
  const ctx: ServiceContext = { db: database.db, queue, maxActiveSubmissions: 1000 };
  const now = Date.now();
  await createCompetition(ctx, {
    slug: c.slug,
    title: 'bench',
    classes: c.classes,
    startsAt: new Date(now - 3_600_000),
    endsAt: new Date(now + 3_600_000),
    dailyLimit: 1000,
    datasetDir: c.datasetDir,
    datasetSha256: c.datasetSha256,
    items: c.items,
  });
  const { team } = await registerTeam(ctx, c.slug, { name: 'bench', members: ['b'] });
  const opened = await openBundle(c.bundleZip);
  const files = await digestBundle(opened);
  await opened.dispose();
  const blobKey = bundleKey(opened.sha256);
  await blobs.putFile(blobKey, c.bundleZip);
  const { bundle } = await recordBundle(ctx, {
    teamId: team.id,
    sha256: opened.sha256,
    sizeBytes: opened.sizeBytes,
    files,
    manifest: opened.manifest,
    blobKey,
  });
  const close = async () => {
    await queue.stop();
    await database.close();
  };
  return { database, queue, blobs, ctx, team, bundle, files, close };
}

// Data for participants: which files a competition offers, built once (lazily, one build per competition at a time).
import { and, asc, eq, inArray } from 'drizzle-orm';
import { DATA_FILE_NAMES, type DataFileName } from '../../core/api/data.js';
import { type CompetitionRow, dataFiles, testItems } from '../db/schema.js';
import {
  buildSampleSubmission,
  buildTestZip,
  type StoredDataFile,
  type TestEntry,
} from '../intake/data-archives.js';
import type { BlobStore } from '../storage/blob.js';
import { competitionRow } from './competitions.js';
import type { ServiceContext } from './context.js';
import { ServiceError } from './errors.js';

export type { StoredDataFile };

/** What the data services need beyond the database: where files are stored and built. */
export type DataContext = Pick<ServiceContext, 'db'> & { blobs: BlobStore; workDir: string };

/** A competition's offer: the files (in DATA_FILE_NAMES order) and, for each file it does not offer, why. */
export type DataListing = {
  files: StoredDataFile[];
  withheld: { name: DataFileName; reason: string }[];
};

/** Why `test.zip` is missing from a bundle-only competition (the route's 404 says the same). */
export const HIDDEN_TEST_REASON =
  'the host keeps the test set on the server (a bundle-only competition): submit a model bundle and the ' +
  'server runs it over the test images';

/** Why `train.zip` is missing: it is built from the dataset folder at creation, and this one had none. */
export const NO_TRAIN_REASON =
  'the training set was not archived when this competition was created (created before data downloads, ' +
  'or without a dataset folder); ask the host for it';

/** Builds in flight, by competition id: concurrent first requests wait on one build instead of starting theirs. */
const building = new Map<string, Promise<void>>();

/** The test items as participants may see them: ID and image path, in test.csv order. Never label or split. */
async function publicTestEntries(ctx: DataContext, competitionId: string): Promise<TestEntry[]> {
  return ctx.db
    .select({ id: testItems.itemId, imagePath: testItems.imagePath })
    .from(testItems)
    .where(eq(testItems.competitionId, competitionId))
    .orderBy(asc(testItems.position));
}

/** The files `row` should offer that can be built from what the server keeps (test images and items). */
function lazyNames(row: CompetitionRow): DataFileName[] {
  return row.hideTestImages ? ['sample_submission.csv'] : ['test.zip', 'sample_submission.csv'];
}

async function recorded(ctx: DataContext, competitionId: string): Promise<Map<string, StoredDataFile>> {
  const rows = await ctx.db
    .select()
    .from(dataFiles)
    .where(and(eq(dataFiles.competitionId, competitionId), inArray(dataFiles.name, [...DATA_FILE_NAMES])));
  return new Map(rows.map((r) => [r.name, { ...r, name: r.name as DataFileName }]));
}

/** Build and record the lazily built files `row` lacks. Across replicas a second build stores the same bytes. */
async function buildMissing(ctx: DataContext, row: CompetitionRow, missing: DataFileName[]): Promise<void> {
  const items = await publicTestEntries(ctx, row.id);
  const built: StoredDataFile[] = [];
  for (const name of missing) {
    built.push(
      name === 'test.zip'
        ? await buildTestZip(row.datasetDir, items, ctx.workDir, ctx.blobs)
        : await buildSampleSubmission(items, ctx.workDir, ctx.blobs),
    );
  }
  const values = built.map((f) => ({ ...f, competitionId: row.id }));
  await ctx.db.insert(dataFiles).values(values).onConflictDoNothing();
}

/** The recorded files of `row`, building the missing lazy ones first (once, however many ask at once). */
async function ensureFiles(ctx: DataContext, row: CompetitionRow): Promise<Map<string, StoredDataFile>> {
  const have = await recorded(ctx, row.id);
  const missing = lazyNames(row).filter((n) => !have.has(n));
  if (missing.length === 0) return have;
  let build = building.get(row.id);
  if (!build) {
    build = buildMissing(ctx, row, missing).finally(() => building.delete(row.id));
    building.set(row.id, build);
  }
  await build;
  return recorded(ctx, row.id);
}

/**
 * What competition `slug` offers participants: `train.zip` (built at creation), `test.zip` unless the host
 * hides the test images, `sample_submission.csv`; the latter two are built on first request. `not_found`
 * for an unknown slug.
 *
 * @example
 * const { files, withheld } = await listDataFiles(ctx, 'sketch-demo');
 */
export async function listDataFiles(ctx: DataContext, slug: string): Promise<DataListing> {
  const row = await competitionRow(ctx, slug);
  const have = await ensureFiles(ctx, row);
  const listing: DataListing = { files: [], withheld: [] };
  for (const name of DATA_FILE_NAMES) {
    const file = have.get(name);
    if (name === 'test.zip' && row.hideTestImages)
      listing.withheld.push({ name, reason: HIDDEN_TEST_REASON });
    else if (file) listing.files.push(file);
    else if (name === 'train.zip') listing.withheld.push({ name, reason: NO_TRAIN_REASON });
  }
  return listing;
}

/**
 * One offered file of competition `slug`; `not_found` with the reason for a withheld one, and naming the
 * offered files for any other name.
 *
 * @example
 * const file = await getDataFile(ctx, 'sketch-demo', 'train.zip'); // then ctx.blobs.getStream(file.blobKey)
 */
export async function getDataFile(ctx: DataContext, slug: string, name: string): Promise<StoredDataFile> {
  if (!(DATA_FILE_NAMES as readonly string[]).includes(name)) {
    await competitionRow(ctx, slug); // an unknown competition is the first thing to say
    throw new ServiceError(
      'not_found',
      `no file ${name}; a competition offers ${DATA_FILE_NAMES.join(', ')}`,
    );
  }
  const { files, withheld } = await listDataFiles(ctx, slug);
  const file = files.find((f) => f.name === name);
  if (file) return file;
  const why = withheld.find((w) => w.name === name);
  if (why) throw new ServiceError('not_found', `${name} of ${slug} is not offered: ${why.reason}`);
  throw new ServiceError('not_found', `competition ${slug} has no file ${name}`);
}

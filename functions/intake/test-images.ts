// A competition's test images in a server-owned, content-addressed folder of their own: no labels beside them.
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, mkdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { mapLimit } from '../../core/data/io.js';

/** Prefix of in-progress folders under the datasets folder; the server removes stale ones at start-up. */
export const STAGING_PREFIX = '.staging-';

/** Sub-folder of `<datasetsDir>/<datasetSha256>/` holding the test images. */
const IMAGES = 'images';

/** Files linked or copied at once. */
const COPY_CONCURRENCY = 16;

/** Errors of `link(2)` after which a copy still works: another filesystem, not allowed, too many links. */
const LINK_REFUSED = new Set(['EXDEV', 'EPERM', 'EACCES', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP']);

/** The test images of a dataset (a `Dataset` fits): items' `imagePath`s are relative to `testDir`. */
export type TestImages = { sha256: string; testDir: string; items: readonly { imagePath: string }[] };

/**
 * Where a dataset's test images live: `<datasetsDir>/<datasetSha256>/images`. The competition's `datasetDir`.
 *
 * @example
 * imagesDirOf('/data/datasets', sha); // '/data/datasets/<sha>/images'
 */
export function imagesDirOf(datasetsDir: string, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new RangeError(`not a sha256: ${sha256}`);
  return join(datasetsDir, sha256, IMAGES);
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

function errnoOf(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/**
 * Hard-link `src` (symlinks resolved, so only regular files land in the folder) at `dest`, or copy it
 * when linking is refused (another filesystem, protected hard links).
 */
export async function linkOrCopy(src: string, dest: string): Promise<'linked' | 'copied'> {
  const real = await realpath(src);
  try {
    await link(real, dest);
    return 'linked';
  } catch (err) {
    if (!LINK_REFUSED.has(errnoOf(err) ?? '')) throw err;
    await copyFile(real, dest, constants.COPYFILE_EXCL);
    return 'copied';
  }
}

/** Link or copy every listed image (each path once) into the empty folder `dest`, keeping relative paths. */
async function stageImages(images: TestImages, dest: string): Promise<void> {
  const paths = [...new Set(images.items.map((i) => i.imagePath))];
  const dirs = new Set(paths.map((p) => dirname(join(dest, p))));
  for (const dir of dirs) await mkdir(dir, { recursive: true });
  await mapLimit(paths, COPY_CONCURRENCY, (p) => linkOrCopy(join(images.testDir, p), join(dest, p)));
}

/** Move the staged folder to `dir`; losing a race to an identical publication is fine (same content). */
async function publish(staging: string, dir: string): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  try {
    await rename(staging, dir);
  } catch (err) {
    if (!(await isDir(dir))) throw err;
  }
}

/**
 * Run `create(datasetDir)` (the competition insert) with the dataset's test images in their own folder,
 * `imagesDirOf(datasetsDir, sha256)`: only the images test.csv lists, hard-linked when on the same
 * filesystem, else copied. Nothing else from the dataset folder goes there, so the scorer's runner child
 * never has the host's `test_labels.csv` within reach. The folder is content-addressed: a competition on
 * the same test set reuses it. Atomic: the images are staged in `<datasetsDir>/.staging-*` and renamed
 * into place only after `create` succeeded; a refused creation leaves nothing behind. Published folders
 * are never removed here (other competitions may share them).
 *
 * @example
 * const dataset = await loadDataset('/srv/data/imagenet-sketch');
 * const competition = await withTestImages(dataset, config.datasetsDir, (datasetDir) =>
 *   createCompetition(ctx, { ...fields, items: dataset.items, datasetDir, datasetSha256: dataset.sha256 }),
 * );
 */
export async function withTestImages<T>(
  images: TestImages,
  datasetsDir: string,
  create: (datasetDir: string) => Promise<T>,
): Promise<T> {
  const dir = imagesDirOf(datasetsDir, images.sha256);
  if (await isDir(dir)) return create(dir);
  const staging = join(datasetsDir, `${STAGING_PREFIX}${randomUUID()}`);
  try {
    await mkdir(staging, { recursive: true });
    await stageImages(images, staging);
    const created = await create(dir);
    // Published only after the insert, so a refused creation changes nothing. The price: a crash between
    // the two leaves a competition without images (the scorer reports an infrastructure fault).
    await publish(staging, dir);
    return created;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

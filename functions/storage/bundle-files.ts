// Bundle files in the blob store, one content-addressed blob each: stored after a check, indexed, and laid out again as a folder.
import { createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pLimit from 'p-limit';
import type { FileDigest } from '../../core/bundle/digest.js';
import { type BundleIndex, bundleIdentity } from '../../core/bundle/identity.js';
import { MANIFEST_FILE } from '../../core/bundle/manifest.js';
import { ServiceError } from '../services/errors.js';
import { type BlobStore, bundleIndexKey, fileKey } from './blob.js';

/** Blob operations at once: disk- or network-bound, a few in flight keep either busy. */
const CONCURRENCY = 4;

/**
 * Put every checked file of an unpacked bundle under its sha256 (`fileKey`), skipping those the store already
 * has. Returns the bytes actually stored.
 *
 * @example
 * await storeBundleFiles(blobs, bundle.dir, files); // after the bundle check passed
 */
export async function storeBundleFiles(
  blobs: BlobStore,
  dir: string,
  files: readonly FileDigest[],
): Promise<{ storedBytes: number }> {
  const limit = pLimit(CONCURRENCY);
  const unique = [...new Map(files.map((f) => [f.sha256, f])).values()];
  const stored = await Promise.all(
    unique.map((f) =>
      limit(async () => {
        const key = fileKey(f.sha256);
        if (await blobs.exists(key)) return 0;
        await blobs.putFile(key, join(dir, ...f.path.split('/')));
        return f.bytes;
      }),
    ),
  );
  return { storedBytes: stored.reduce((a, b) => a + b, 0) };
}

/**
 * Store a bundle's file index under `bundleIndexKey(identity)` and return that key (the bundle's `blobKey`).
 *
 * @example
 * const blobKey = await writeBundleIndex(blobs, canonicalIndex(manifestSha, files));
 */
export async function writeBundleIndex(
  blobs: BlobStore,
  index: BundleIndex,
  tmpDir: string,
): Promise<string> {
  const key = bundleIndexKey(bundleIdentity(index));
  if (await blobs.exists(key)) return key;
  await mkdir(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `index-${bundleIdentity(index)}-${process.pid}.json`);
  try {
    await writeFile(tmp, JSON.stringify(index));
    await blobs.putFile(key, tmp);
  } finally {
    await rm(tmp, { force: true });
  }
  return key;
}

/** Read a file index back; an infra-level error when it is missing or not an index. */
export async function readBundleIndex(blobs: BlobStore, key: string): Promise<BundleIndex> {
  const chunks: Buffer[] = [];
  for await (const chunk of await blobs.getStream(key)) chunks.push(Buffer.from(chunk as Uint8Array));
  const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as BundleIndex;
  if (parsed.version !== 1 || !Array.isArray(parsed.files) || typeof parsed.manifest !== 'string') {
    throw new Error(`blob ${key} is not a bundle file index`);
  }
  return parsed;
}

/** Lay one blob out at `dest`: a hard link to the store's own file when possible, else a copy or a stream. */
async function placeBlob(blobs: BlobStore, sha256: string, dest: string): Promise<void> {
  const key = fileKey(sha256);
  await mkdir(dirname(dest), { recursive: true });
  if (blobs.getPath) {
    const src = await blobs.getPath(key);
    await link(src, dest).catch(() => copyFile(src, dest));
    return;
  }
  await pipeline(await blobs.getStream(key), createWriteStream(dest, { flags: 'wx' }));
}

/**
 * Lay a bundle's files out in `dir` (created; must not exist or be empty) from their blobs: `manifest.json`
 * plus every indexed file at its path. `invalid_bundle` naming the first file whose blob is missing.
 *
 * @example
 * await materializeBundle(blobs, await readBundleIndex(blobs, bundle.blobKey), join(workDir, 'bundle'));
 * const opened = await openBundleDir(join(workDir, 'bundle'));
 */
export async function materializeBundle(blobs: BlobStore, index: BundleIndex, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const entries = [{ path: MANIFEST_FILE, sha256: index.manifest }, ...index.files];
  const limit = pLimit(CONCURRENCY);
  await Promise.all(
    entries.map((f) =>
      limit(async () => {
        if (!(await blobs.exists(fileKey(f.sha256)))) {
          throw new ServiceError(
            'invalid_bundle',
            `file ${f.path} (sha256 ${f.sha256}) is not on the server`,
          );
        }
        await placeBlob(blobs, f.sha256, join(dir, ...f.path.split('/')));
      }),
    ),
  );
}

/**
 * The scorer's way in: lay the bundle whose blob key is a file index out as the folder `dir` and return it.
 *
 * @example
 * const bundleDir = await materializeIndexed(blobs, claim.bundle.blobKey, join(workDir, 'bundle'));
 */
export async function materializeIndexed(blobs: BlobStore, key: string, dir: string): Promise<string> {
  await materializeBundle(blobs, await readBundleIndex(blobs, key), dir);
  return dir;
}

// Content digests of a bundle's files (path, size, sha256): what content-addressed storage and the prediction cache key on.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import pLimit from 'p-limit';
import type { OpenedBundle } from './open.js';

/** One file of a bundle: bundle-relative path (forward slashes), size in bytes, sha256 (hex). */
export type FileDigest = { path: string; bytes: number; sha256: string };

/** Files hashed at once: hashing is disk-bound, and two streams keep a disk busy without thrashing it. */
const DIGEST_CONCURRENCY = 2;

/**
 * sha256 and size of one file, streamed (never read whole).
 *
 * @example
 * const { sha256, bytes } = await digestFile('/tmp/b/large/fold0.onnx');
 */
export async function digestFile(abs: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(abs) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    hash.update(chunk);
  }
  return { bytes, sha256: hash.digest('hex') };
}

/**
 * A pass-through stream that hashes and counts what flows through it; `result()` once the stream has finished.
 *
 * @example
 * const { tap, result } = digestTap();
 * await pipeline(zip.outputStream, tap, createWriteStream(temp));
 * const { sha256, bytes } = result();
 */
export function digestTap(): { tap: Transform; result(): { bytes: number; sha256: string } } {
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  return { tap, result: () => ({ bytes, sha256: hash.digest('hex') }) };
}

/**
 * Digest every regular file of an opened bundle (its `files` list, sorted as given).
 *
 * @example
 * const files = await digestBundle(await openBundle('bundle.zip'));
 * files.find((f) => f.path === 'large/fold0.onnx')?.sha256;
 */
export async function digestBundle(bundle: Pick<OpenedBundle, 'dir' | 'files'>): Promise<FileDigest[]> {
  const limit = pLimit(DIGEST_CONCURRENCY);
  return Promise.all(
    bundle.files.map((path) =>
      limit(async () => ({ path, ...(await digestFile(join(bundle.dir, ...path.split('/')))) })),
    ),
  );
}

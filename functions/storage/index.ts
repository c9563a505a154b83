// The blob store the environment selects: the local folder (default) or an S3 bucket, loaded only when chosen.
import { blobDir, type Env } from '../config/env.js';
import type { BlobStore } from './blob.js';
import { createLocalBlobStore } from './local.js';

/**
 * The blob store the environment selects: `SKETCHBOARD_BLOB_BACKEND=local` (default) keeps blobs in
 * `<SKETCHBOARD_DATA_DIR>/blobs`; `s3` uses the bucket from `SKETCHBOARD_S3_*` with credentials from the
 * AWS SDK chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, web identity, instance role). The S3 client is
 * loaded only when chosen.
 *
 * @example
 * const blobs = await createBlobStore(loadEnv());
 * try { await blobs.putFile(bundleKey(sha256), tmpZip); } finally { blobs.dispose?.(); }
 */
export async function createBlobStore(env: Pick<Env, 'dataDir' | 'blobs'>): Promise<BlobStore> {
  if (env.blobs.backend === 'local') return createLocalBlobStore(blobDir(env));
  const { backend: _backend, ...s3 } = env.blobs;
  const { createS3BlobStore } = await import('./s3.js');
  return createS3BlobStore(s3);
}

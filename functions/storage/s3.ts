// Blob storage in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, R2): the BlobStore interface over @aws-sdk/client-s3.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { log } from '../../core/log.js';
import { ServiceError } from '../services/errors.js';
import { type BlobStore, checkKey } from './blob.js';
import { BlobStoreError, describeS3Error, isNotFound, isRetryable } from './s3-errors.js';

export { BlobStoreError } from './s3-errors.js';

/** Where and how to reach the bucket. Credentials default to the AWS SDK chain (AWS_ACCESS_KEY_ID, ...). */
export type S3BlobOptions = {
  bucket: string;
  region: string;
  /** Custom endpoint (http(s)://host:port) for S3-compatible stores; unset means AWS S3. */
  endpoint?: string;
  /** Prepended to every key: '' or a path ending in '/'. */
  prefix?: string;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key` (MinIO, Ceph need it). */
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Files at least this large go up as a multipart upload (default 64 MiB; S3's single PUT limit is 5 GiB). */
  multipartThresholdBytes?: number;
  /** Part size of multipart uploads (default 16 MiB, at least S3's 5 MiB; grown to stay under 10,000 parts). */
  partSizeBytes?: number;
  /** Parts uploaded at once (default 4). */
  partConcurrency?: number;
  /** Attempts per request for throttling, 5xx and dropped connections, each with a fresh body (default 3). */
  maxAttempts?: number;
  /** First retry delay in ms, quadrupled per retry (default 200). */
  retryBaseMs?: number;
  /** Where `putStream` spools its input to learn the length before uploading (default the OS temp dir). */
  spoolDir?: string;
};

/** Routes an AWS SDK log line's text to the debug log (its objects, requests included, are dropped). */
function sdkNote(...content: unknown[]): void {
  const text = content.filter((c) => typeof c === 'string').join(' ');
  if (text) log.debug(`s3 sdk: ${text}`);
}

/** S3's own limits and this store's defaults: the one place they live. */
export const S3_BLOB_DEFAULTS = {
  multipartThresholdBytes: 64 * 1024 * 1024,
  partSizeBytes: 16 * 1024 * 1024,
  minPartBytes: 5 * 1024 * 1024,
  maxParts: 10_000,
  partConcurrency: 4,
  maxAttempts: 3,
  retryBaseMs: 200,
} as const;

/**
 * A BlobStore in an S3 bucket, for API replicas and scorers on different nodes. Writes are atomic
 * (a PUT or a completed multipart upload replaces the whole object); `putStream` spools to a temp file
 * first so the upload has a known length and a failed source never reaches the bucket. No `getPath`:
 * readers stream, and the scorer copies bundles into its work folder.
 *
 * @example
 * const blobs = createS3BlobStore({ bucket: 'sketchboard', region: 'eu-west-1', prefix: 'prod/' });
 * await blobs.putFile(bundleKey(sha256), uploadedTmpPath);
 * const stream = await blobs.getStream(outputKey(submissionId));
 */
export function createS3BlobStore(options: S3BlobOptions): BlobStore & { dispose(): void } {
  const o = { ...S3_BLOB_DEFAULTS, ...options };
  if (o.partSizeBytes < S3_BLOB_DEFAULTS.minPartBytes)
    throw new BlobStoreError(`S3 part size must be at least ${S3_BLOB_DEFAULTS.minPartBytes} bytes`);
  const client = new S3Client({
    region: o.region,
    endpoint: o.endpoint,
    forcePathStyle: o.forcePathStyle ?? false,
    credentials: o.credentials,
    // Retries are ours: only we can re-open a request body stream for the next attempt.
    maxAttempts: 1,
    // Plain bodies with a Content-Length: S3-compatible stores often refuse aws-chunked checksum trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: 10_000 },
    // The SDK's own notes (e.g. "non-retryable streaming request" before our retry) go to debug logs only:
    // every failure reaches the caller as one mapped error.
    logger: { debug: sdkNote, info: sdkNote, warn: sdkNote, error: sdkNote },
  });
  const Bucket = o.bucket;
  const where = o.endpoint ?? `AWS S3 (${o.region})`;
  const fullKey = (key: string) => `${o.prefix ?? ''}${checkKey(key)}`;

  /** Runs `attempt` up to maxAttempts times for retryable faults; maps the final error to a clear one. */
  async function send<T>(op: string, key: string, attempt: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (err) {
        if (n < o.maxAttempts && isRetryable(err)) {
          await new Promise((r) => setTimeout(r, o.retryBaseMs * 4 ** (n - 1)));
          continue;
        }
        if (isNotFound(err)) throw new ServiceError('not_found', `no blob ${key}`, { cause: err });
        throw new BlobStoreError(describeS3Error(err, { op, key, bucket: Bucket, where }), { cause: err });
      }
    }
  }

  async function putFile(key: string, srcPath: string): Promise<void> {
    const Key = fullKey(key);
    const size = (await stat(srcPath)).size;
    if (size >= o.multipartThresholdBytes) return multipart(key, Key, srcPath, size);
    await send('PutObject', key, () =>
      client.send(
        new PutObjectCommand({ Bucket, Key, Body: createReadStream(srcPath), ContentLength: size }),
      ),
    );
  }

  async function multipart(key: string, Key: string, srcPath: string, size: number): Promise<void> {
    const partSize = Math.max(o.partSizeBytes, Math.ceil(size / S3_BLOB_DEFAULTS.maxParts));
    const { UploadId } = await send('CreateMultipartUpload', key, () =>
      client.send(new CreateMultipartUploadCommand({ Bucket, Key })),
    );
    if (!UploadId) throw new BlobStoreError(`S3 at ${where} started a multipart upload without an id`);
    const count = Math.ceil(size / partSize);
    const etags: string[] = [];
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (!failed && next < count) {
        const i = next++;
        const start = i * partSize;
        const length = Math.min(size, start + partSize) - start;
        const out = await send(`UploadPart ${i + 1}/${count}`, key, () =>
          client.send(
            new UploadPartCommand({
              Bucket,
              Key,
              UploadId,
              PartNumber: i + 1,
              ContentLength: length,
              Body: createReadStream(srcPath, { start, end: start + length - 1 }),
            }),
          ),
        ).catch((err: unknown) => {
          failed = true;
          throw err;
        });
        if (!out.ETag) throw new BlobStoreError(`S3 at ${where} returned no ETag for part ${i + 1}`);
        etags[i] = out.ETag;
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(o.partConcurrency, count) }, worker));
      const Parts = etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 }));
      await send('CompleteMultipartUpload', key, () =>
        client.send(
          new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }),
        ),
      );
    } catch (err) {
      // Nothing becomes visible without Complete; aborting frees the parts already stored.
      await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => {});
      throw err;
    }
  }

  return {
    putFile,
    async putStream(key, source) {
      fullKey(key);
      const dir = o.spoolDir ?? tmpdir();
      await mkdir(dir, { recursive: true });
      const spool = join(dir, `sketchboard-s3-${randomBytes(12).toString('hex')}.part`);
      try {
        let bytes = 0;
        const counted = async function* () {
          for await (const chunk of source as AsyncIterable<Uint8Array>) {
            bytes += chunk.length;
            yield chunk;
          }
        };
        await pipeline(counted, createWriteStream(spool, { flags: 'wx', mode: 0o600 }));
        await putFile(key, spool);
        return { bytes };
      } finally {
        await rm(spool, { force: true });
      }
    },
    async getStream(key, range) {
      const Key = fullKey(key);
      const Range = range ? `bytes=${range.start}-${range.end}` : undefined;
      const out = await send('GetObject', key, () =>
        client.send(new GetObjectCommand({ Bucket, Key, Range })),
      );
      if (!(out.Body instanceof Readable))
        throw new BlobStoreError(`S3 GetObject ${key}: the response body is not a Node stream`);
      return out.Body;
    },
    async exists(key) {
      const Key = fullKey(key);
      try {
        await send('HeadObject', key, () => client.send(new HeadObjectCommand({ Bucket, Key })));
        return true;
      } catch (err) {
        if (err instanceof ServiceError && err.code === 'not_found') return false;
        throw err;
      }
    },
    async delete(key) {
      const Key = fullKey(key);
      await send('DeleteObject', key, () => client.send(new DeleteObjectCommand({ Bucket, Key })));
    },
    dispose: () => client.destroy(),
  };
}

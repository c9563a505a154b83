// S3 blob store faults: which ones to retry, which mean "no such object", and messages an operator can act on.
import { errorMessage } from '../../core/errors.js';

/**
 * A blob store that cannot do its job (unreachable, refused, misconfigured). Never a user's fault: the
 * HTTP layer answers 500 without the message; the scorer treats it as an infrastructure fault and retries.
 *
 * @example
 * throw new BlobStoreError('S3 bucket "sb" does not exist at http://minio:9000', { cause: err });
 */
export class BlobStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BlobStoreError';
  }
}

type Fault = { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };

function fault(err: unknown): Fault {
  return typeof err === 'object' && err !== null ? (err as Fault) : {};
}

const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);
const THROTTLED = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestTimeout',
  'TimeoutError',
]);

/** True for faults another attempt may cure: throttling, 5xx, timeouts and dropped connections. */
export function isRetryable(err: unknown): boolean {
  const f = fault(err);
  const status = f.$metadata?.httpStatusCode ?? 0;
  if (status >= 500 || status === 429) return true;
  if (f.name && THROTTLED.has(f.name)) return true;
  return f.code !== undefined && NETWORK.has(f.code) && f.code !== 'ENOTFOUND';
}

/** True when S3 says the object is absent (GetObject's NoSuchKey, HeadObject's bare 404). */
export function isNotFound(err: unknown): boolean {
  const f = fault(err);
  return f.name === 'NoSuchKey' || (f.name === 'NotFound' && f.$metadata?.httpStatusCode === 404);
}

const CREDENTIALS =
  'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the pod identity) and the bucket policy';

/**
 * One sentence on what failed and what to check; never includes credentials.
 *
 * @example
 * describeS3Error(err, { op: 'PutObject', key: 'bundles/ab.zip', bucket: 'sb', where: 'http://minio:9000' })
 * // 'S3 bucket "sb" does not exist at http://minio:9000 (PutObject bundles/ab.zip)'
 */
export function describeS3Error(
  err: unknown,
  ctx: { op: string; key: string; bucket: string; where: string },
): string {
  const f = fault(err);
  const what = `(${ctx.op} ${ctx.key})`;
  const status = f.$metadata?.httpStatusCode;
  switch (f.name) {
    case 'NoSuchBucket':
      return `S3 bucket "${ctx.bucket}" does not exist at ${ctx.where} ${what}`;
    case 'InvalidAccessKeyId':
      return `S3 at ${ctx.where} does not know the access key ${what}: ${CREDENTIALS}`;
    case 'SignatureDoesNotMatch':
      return `S3 at ${ctx.where} rejected the request signature ${what}: ${CREDENTIALS}`;
    case 'AccessDenied':
    case 'Forbidden':
      return `S3 at ${ctx.where} denied access to bucket "${ctx.bucket}" ${what}: ${CREDENTIALS}`;
    case 'CredentialsProviderError':
      return `no S3 credentials found ${what}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`;
  }
  if (status === 403) return `S3 at ${ctx.where} refused ${ctx.op} ${ctx.key} (HTTP 403): ${CREDENTIALS}`;
  if (f.code && NETWORK.has(f.code)) return `cannot reach S3 endpoint ${ctx.where} ${what}: ${f.code}`;
  if (f.name === 'TimeoutError') return `S3 endpoint ${ctx.where} timed out ${what}`;
  const code = f.name && f.name !== 'Error' ? f.name : 'error';
  const http = status ? ` HTTP ${status}` : '';
  return `S3 ${ctx.op} failed at ${ctx.where} for ${ctx.key}:${http} ${code}: ${errorMessage(err)}`;
}

// Server-side AWS Signature V4 check for the test S3 server: recomputes the signature the way S3 does.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Why a request's signature was refused, as S3 error codes. */
export type SigV4Failure = {
  code: 'AccessDenied' | 'InvalidAccessKeyId' | 'SignatureDoesNotMatch';
  message: string;
};

/** Canonical query string: every `k=v` pair (bare `k` becomes `k=`), sorted, kept URI-encoded as sent. */
function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  return rawQuery
    .split('&')
    .map((pair) => (pair.includes('=') ? pair : `${pair}=`))
    .map((pair) => {
      const i = pair.indexOf('=');
      return [pair.slice(0, i), pair.slice(i + 1)] as const;
    })
    .sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : 1) : ak < bk ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/**
 * Verifies the `Authorization: AWS4-HMAC-SHA256 ...` header of `req` against `secrets` (access key → secret).
 * The payload hash is the `x-amz-content-sha256` header; the caller checks it against the body.
 * Returns null when the signature is valid.
 */
export function verifySigV4(req: IncomingMessage, secrets: ReadonlyMap<string, string>): SigV4Failure | null {
  const auth = req.headers.authorization ?? '';
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m) return { code: 'AccessDenied', message: 'missing or malformed AWS4-HMAC-SHA256 Authorization' };
  const [, accessKey, date, region, signedHeaders, signature] = m;
  const secret = secrets.get(accessKey);
  if (secret === undefined) return { code: 'InvalidAccessKeyId', message: `unknown access key ${accessKey}` };
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date))
    return { code: 'AccessDenied', message: 'x-amz-date does not match the scope' };

  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const headerLines = signedHeaders.split(';').map((name) => {
    const raw = req.headers[name];
    const value = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
    return `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
  });
  const canonicalRequest = [
    req.method ?? 'GET',
    path,
    canonicalQuery(q < 0 ? '' : url.slice(q + 1)),
    headerLines.join(''),
    signedHeaders,
    String(req.headers['x-amz-content-sha256'] ?? ''),
  ].join('\n');
  const scope = `${date}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), 's3'), 'aws4_request');
  const expected = hmac(key, toSign);
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { code: 'SignatureDoesNotMatch', message: 'the request signature does not match' };
  }
  return null;
}

/** Hex sha256 of a body, for checking a signed `x-amz-content-sha256`. */
export function payloadHash(body: Buffer): string {
  return sha256Hex(body);
}

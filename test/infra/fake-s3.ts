// A small in-process S3-compatible HTTP server for tests: path-style object and multipart calls, SigV4 checked, faults on demand.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { payloadHash, verifySigV4 } from './sigv4.js';

/** S3 operations this server answers. */
export type S3Op =
  | 'PutObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload';

/** One answered request, for assertions; status 0 is a connection this server reset. */
export type S3Call = { op: S3Op; key: string; bytes: number; status: number; partNumber?: number };

/** A fault for the next matching requests: an S3 error answer, or a connection reset mid-body. */
export type S3Fault = { op: S3Op; times?: number; partNumber?: number } & (
  | { status: number; code: string }
  | { reset: true }
);

export type FakeS3 = {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Stored objects by full key, per bucket. */
  objects(bucket: string): Map<string, Buffer>;
  /** Multipart uploads started and neither completed nor aborted. */
  openUploads(): number;
  calls: S3Call[];
  inject(fault: S3Fault): void;
  close(): Promise<void>;
};

/** S3 refuses multipart parts below 5 MiB except the last; so does this server. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

const xml = (root: string, fields: Record<string, string>) =>
  `<?xml version="1.0" encoding="UTF-8"?><${root}>${Object.entries(fields)
    .map(([k, v]) => `<${k}>${v}</${k}>`)
    .join('')}</${root}>`;
const etagOf = (body: Buffer) => `"${createHash('md5').update(body).digest('hex')}"`;

const keyOf = (url: URL) => decodeURIComponent(url.pathname.split('/').slice(2).join('/'));

function opOf(method: string, query: URLSearchParams): S3Op | null {
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'GET') return 'GetObject';
  if (method === 'PUT') return query.has('uploadId') ? 'UploadPart' : 'PutObject';
  if (method === 'POST' && query.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'POST' && query.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'DELETE') return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
  return null;
}

/**
 * Starts the server on 127.0.0.1 with one access key and the given buckets. Only path-style
 * (`/bucket/key`) requests with plain bodies are accepted: aws-chunked uploads get 501, as on many
 * S3-compatible stores.
 */
export async function startFakeS3(buckets: string[]): Promise<FakeS3> {
  const credentials = { accessKeyId: 'AKIDFAKES3TEST', secretAccessKey: 'fake-secret-for-tests-only' };
  const secrets = new Map([[credentials.accessKeyId, credentials.secretAccessKey]]);
  const store = new Map(buckets.map((b) => [b, new Map<string, Buffer>()]));
  const uploads = new Map<string, { bucket: string; key: string; parts: Map<number, Buffer> }>();
  const faults: S3Fault[] = [];
  const calls: S3Call[] = [];

  function takeFault(
    op: S3Op,
    partNumber: number | undefined,
    kind: 'reset' | 'status',
  ): S3Fault | undefined {
    const i = faults.findIndex(
      (f) => f.op === op && (f.partNumber === undefined || f.partNumber === partNumber) && kind in f,
    );
    if (i < 0) return undefined;
    const f = faults[i];
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) faults.splice(i, 1);
    return f;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://s3.local');
    const bucket = url.pathname.split('/')[1] ?? '';
    const key = keyOf(url);
    const op = opOf(req.method ?? '', url.searchParams);
    const partNumber = url.searchParams.has('partNumber')
      ? Number(url.searchParams.get('partNumber'))
      : undefined;
    const reply = (status: number, text = '', headers: Record<string, string> = {}) => {
      calls.push({ op: op ?? 'GetObject', key, bytes: body.length, status, partNumber });
      res.writeHead(status, { 'content-type': 'application/xml', ...headers });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    const fail = (status: number, code: string, message: string) =>
      reply(status, xml('Error', { Code: code, Message: message, Key: key, RequestId: randomUUID() }));

    const denied = verifySigV4(req, secrets);
    if (denied) return fail(403, denied.code, denied.message);
    const declared = String(req.headers['x-amz-content-sha256'] ?? '');
    if (
      String(req.headers['content-encoding'] ?? '').includes('aws-chunked') ||
      declared.startsWith('STREAMING')
    )
      return fail(501, 'NotImplemented', 'aws-chunked uploads are not supported');
    if (/^[0-9a-f]{64}$/.test(declared) && declared !== payloadHash(body))
      return fail(400, 'XAmzContentSHA256Mismatch', 'body does not match x-amz-content-sha256');
    if (!op || !key) return fail(501, 'NotImplemented', 'only path-style object operations');
    const objects = store.get(bucket);
    if (!objects) return fail(404, 'NoSuchBucket', `no bucket ${bucket}`);
    const fault = takeFault(op, partNumber, 'status');
    if (fault && 'status' in fault) return fail(fault.status, fault.code, 'injected fault');

    const uploadId = url.searchParams.get('uploadId') ?? '';
    const upload = uploads.get(uploadId);
    switch (op) {
      case 'PutObject':
        objects.set(key, body);
        return reply(200, '', { etag: etagOf(body) });
      case 'GetObject': {
        const obj = objects.get(key);
        if (!obj) return fail(404, 'NoSuchKey', 'no such key');
        calls.push({ op, key, bytes: obj.length, status: 200 });
        res.writeHead(200, { 'content-length': String(obj.length), etag: etagOf(obj) });
        return void res.end(obj);
      }
      case 'HeadObject': {
        const obj = objects.get(key);
        if (!obj) return reply(404);
        return reply(200, '', { 'content-length': String(obj.length), etag: etagOf(obj) });
      }
      case 'DeleteObject':
        objects.delete(key);
        return reply(204);
      case 'CreateMultipartUpload': {
        const id = randomUUID();
        uploads.set(id, { bucket, key, parts: new Map() });
        return reply(200, xml('InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: id }));
      }
      case 'UploadPart':
        if (!upload || upload.key !== key) return fail(404, 'NoSuchUpload', 'no such upload');
        upload.parts.set(partNumber ?? 0, body);
        return reply(200, '', { etag: etagOf(body) });
      case 'CompleteMultipartUpload': {
        if (!upload || upload.key !== key) return fail(404, 'NoSuchUpload', 'no such upload');
        const listed = [...body.toString('utf8').matchAll(/<Part>(.*?)<\/Part>/gs)].map(([, p]) => ({
          n: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(p)?.[1]),
          etag: /<ETag>(.*?)<\/ETag>/.exec(p)?.[1]?.replaceAll('&quot;', '"'),
        }));
        const chunks: Buffer[] = [];
        for (const [i, { n, etag }] of listed.entries()) {
          const part = upload.parts.get(n);
          if (!part || etagOf(part) !== etag || (i > 0 && n <= listed[i - 1].n))
            return fail(400, 'InvalidPart', `part ${n} missing, out of order or with a wrong ETag`);
          if (i < listed.length - 1 && part.length < MIN_PART_BYTES)
            return fail(400, 'EntityTooSmall', `part ${n} is below 5 MiB`);
          chunks.push(part);
        }
        const whole = Buffer.concat(chunks);
        objects.set(key, whole);
        uploads.delete(uploadId);
        return reply(
          200,
          xml('CompleteMultipartUploadResult', { Bucket: bucket, Key: key, ETag: etagOf(whole) }),
        );
      }
      case 'AbortMultipartUpload':
        uploads.delete(uploadId);
        return reply(204);
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://s3.local');
    const op = opOf(req.method ?? '', url.searchParams);
    const part = url.searchParams.has('partNumber') ? Number(url.searchParams.get('partNumber')) : undefined;
    const reset = op ? takeFault(op, part, 'reset') : undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      received += c.length;
      // A connection dropped after part of the body arrived: nothing of it may be stored.
      if (reset && received >= 64 * 1024) req.socket.destroy();
    });
    if (reset)
      req.socket.once('close', () =>
        calls.push({ op: reset.op, key: keyOf(url), bytes: received, status: 0 }),
      );
    req.on('end', () => {
      if (reset) return void req.socket.destroy();
      const body = Buffer.concat(chunks);
      const declared = req.headers['content-length'];
      if (declared !== undefined && Number(declared) !== body.length) return void req.socket.destroy();
      handle(req, res, body).catch((err: unknown) => {
        res.writeHead(500);
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    credentials,
    objects: (bucket) => store.get(bucket) ?? new Map(),
    openUploads: () => uploads.size,
    calls,
    inject: (fault) => void faults.push({ times: 1, ...fault }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// S3 blob store specifics against the fake S3 server: request shapes, multipart, retries, error messages, env factory.
import { randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadEnv } from '../../functions/config/env.js';
import { createBlobStore } from '../../functions/storage/index.js';
import { BlobStoreError, createS3BlobStore, type S3BlobOptions } from '../../functions/storage/s3.js';
import { type FakeS3, startFakeS3 } from './fake-s3.js';

const MiB = 1024 * 1024;
let root: string;
let s3: FakeS3;
const disposers: Array<() => void> = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sb-blob-s3-'));
  s3 = await startFakeS3(['sb-test']);
});
afterEach(() => {
  s3.calls.length = 0;
  vi.unstubAllEnvs();
});
afterAll(async () => {
  for (const dispose of disposers) dispose();
  await s3?.close();
  await rm(root, { recursive: true, force: true });
});

function store(over: Partial<S3BlobOptions> = {}) {
  const blobs = createS3BlobStore({
    bucket: 'sb-test',
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: s3.credentials,
    multipartThresholdBytes: 8 * MiB,
    partSizeBytes: 5 * MiB,
    retryBaseMs: 5,
    ...over,
  });
  disposers.push(() => blobs.dispose());
  return blobs;
}

async function file(data: Buffer): Promise<string> {
  const path = join(root, `${randomBytes(6).toString('hex')}.bin`);
  await writeFile(path, data);
  return path;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const ops = () => s3.calls.map((c) => `${c.op}:${c.status}`);

describe('S3 blob store requests', () => {
  it('sends a small file as one signed PutObject under the prefix', async () => {
    const data = randomBytes(2 * MiB);
    await store({ prefix: 'team-a/' }).putFile('bundles/one.zip', await file(data));
    expect(ops()).toEqual(['PutObject:200']);
    expect(s3.calls[0].bytes).toBe(data.length);
    expect(s3.objects('sb-test').get('team-a/bundles/one.zip')?.equals(data)).toBe(true);
    expect(s3.objects('sb-test').has('bundles/one.zip')).toBe(false);
  });

  it('uploads a large file in parts of the configured size and completes it', async () => {
    const data = randomBytes(12 * MiB + 5);
    await store().putFile('bundles/parts.zip', await file(data));
    const parts = s3.calls.filter((c) => c.op === 'UploadPart').sort((a, b) => a.partNumber! - b.partNumber!);
    expect(parts.map((p) => p.bytes)).toEqual([5 * MiB, 5 * MiB, 2 * MiB + 5]);
    expect(ops()[0]).toBe('CreateMultipartUpload:200');
    expect(ops().at(-1)).toBe('CompleteMultipartUpload:200');
    expect(s3.objects('sb-test').get('bundles/parts.zip')?.equals(data)).toBe(true);
    expect(s3.openUploads()).toBe(0);
  });

  it('retries a dropped connection with a fresh body', async () => {
    const data = randomBytes(MiB);
    s3.inject({ op: 'PutObject', reset: true });
    await store().putFile('bundles/retry.zip', await file(data));
    expect(ops()).toEqual(['PutObject:0', 'PutObject:200']);
    expect(s3.objects('sb-test').get('bundles/retry.zip')?.equals(data)).toBe(true);
  });

  it('retries a throttled part, then completes with the right bytes', async () => {
    const data = randomBytes(11 * MiB);
    s3.inject({ op: 'UploadPart', partNumber: 2, status: 503, code: 'SlowDown' });
    await store().putFile('bundles/slow.zip', await file(data));
    expect(ops()).toContain('UploadPart:503');
    expect(s3.objects('sb-test').get('bundles/slow.zip')?.equals(data)).toBe(true);
  });

  it('aborts a multipart upload whose part keeps failing; nothing becomes visible', async () => {
    s3.inject({ op: 'UploadPart', partNumber: 2, status: 500, code: 'InternalError', times: 10 });
    const err = await store()
      .putFile('bundles/never.zip', await file(randomBytes(11 * MiB)))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlobStoreError);
    expect(String((err as Error).message)).toMatch(/UploadPart 2\/3 failed .* HTTP 500 InternalError/);
    expect(s3.calls.filter((c) => c.op === 'UploadPart' && c.partNumber === 2)).toHaveLength(3);
    expect(ops()).toContain('AbortMultipartUpload:204');
    expect(s3.openUploads()).toBe(0);
    expect(s3.objects('sb-test').has('bundles/never.zip')).toBe(false);
  });
});

describe('S3 blob store errors', () => {
  it('names the credentials when the secret is wrong, without retrying', async () => {
    const blobs = store({ credentials: { ...s3.credentials, secretAccessKey: 'wrong' } });
    const err = await blobs.exists('bundles/x.zip').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlobStoreError);
    // HEAD answers carry no error body: the status alone has to point at the credentials.
    expect((err as Error).message).toMatch(
      /refused HeadObject bundles\/x\.zip \(HTTP 403\).*AWS_SECRET_ACCESS_KEY/,
    );
    expect((err as Error).message).not.toContain('wrong');
    await expect(blobs.getStream('bundles/x.zip')).rejects.toThrow(
      /rejected the request signature \(GetObject bundles\/x\.zip\): check AWS_ACCESS_KEY_ID/,
    );
    expect(s3.calls).toHaveLength(2);
  });

  it('names an unknown access key and a missing bucket', async () => {
    const stranger = store({ credentials: { accessKeyId: 'AKIDNOBODY', secretAccessKey: 'x' } });
    await expect(stranger.delete('outputs/a.csv')).rejects.toThrow(/does not know the access key/);
    const nobucket = store({ bucket: 'missing-bucket' });
    await expect(nobucket.putFile('outputs/a.csv', await file(Buffer.from('a')))).rejects.toThrow(
      /S3 bucket "missing-bucket" does not exist at http:\/\/127\.0\.0\.1:\d+ \(PutObject outputs\/a\.csv\)/,
    );
  });

  it('says when the endpoint cannot be reached, after retrying', async () => {
    const gone = await startFakeS3(['sb-test']);
    const endpoint = gone.endpoint;
    await gone.close();
    const blobs = store({ endpoint });
    // Every client socket this process opens meanwhile (nothing else connects during the call), and the
    // waits it schedules: three attempts, 5 ms then 20 ms apart (retryBaseMs quadrupled).
    let sockets = 0;
    const onSocket = () => {
      sockets++;
    };
    const timers = vi.spyOn(globalThis, 'setTimeout');
    let waits: unknown[] = [];
    subscribe('net.client.socket', onSocket);
    try {
      await expect(blobs.exists('outputs/a.csv')).rejects.toThrow(/cannot reach S3 endpoint .*ECONNREFUSED/);
    } finally {
      unsubscribe('net.client.socket', onSocket);
      waits = timers.mock.calls.map(([, ms]) => ms).filter((ms) => ms === 5 || ms === 20);
      timers.mockRestore();
    }
    expect(sockets).toBe(3);
    expect(waits).toEqual([5, 20]);
  });

  it('maps a persistent server error on a read to the operation and status', async () => {
    s3.inject({ op: 'GetObject', status: 500, code: 'InternalError', times: 3 });
    await expect(store().getStream('outputs/a.csv')).rejects.toThrow(
      /S3 GetObject failed at .* for outputs\/a\.csv: HTTP 500 InternalError/,
    );
  });

  it('refuses a part size below the S3 minimum', () => {
    expect(() => store({ partSizeBytes: MiB })).toThrow(/at least 5242880/);
  });
});

describe('createBlobStore(env)', () => {
  it('keeps blobs under SKETCHBOARD_DATA_DIR by default', async () => {
    const blobs = await createBlobStore(loadEnv({ SKETCHBOARD_DATA_DIR: join(root, 'data') }));
    await blobs.putFile('outputs/local.csv', await file(Buffer.from('ID,target\n')));
    expect(await blobs.getPath?.('outputs/local.csv')).toBe(
      join(root, 'data', 'blobs', 'outputs', 'local.csv'),
    );
  });

  it('uses the S3 bucket from SKETCHBOARD_S3_* with credentials from AWS_* variables', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', s3.credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', s3.credentials.secretAccessKey);
    const env = loadEnv({
      SKETCHBOARD_BLOB_BACKEND: 's3',
      SKETCHBOARD_S3_BUCKET: 'sb-test',
      SKETCHBOARD_S3_ENDPOINT: s3.endpoint,
      SKETCHBOARD_S3_FORCE_PATH_STYLE: 'true',
      SKETCHBOARD_S3_PREFIX: 'prod',
    });
    const blobs = await createBlobStore(env);
    try {
      expect(blobs.getPath).toBeUndefined();
      expect(
        await blobs.putStream(
          'outputs/env.csv',
          Readable.from([Buffer.from('ID,'), Buffer.from('target\n')]),
        ),
      ).toEqual({
        bytes: 10,
      });
      expect(s3.objects('sb-test').get('prod/outputs/env.csv')?.toString()).toBe('ID,target\n');
      expect((await readAll(await blobs.getStream('outputs/env.csv'))).toString()).toBe('ID,target\n');
    } finally {
      blobs.dispose?.();
    }
  });
});

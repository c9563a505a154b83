// One BlobStore contract, run over the local folder store and the S3 store (against the in-process fake S3).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isServiceError } from '../../functions/services/errors.js';
import type { BlobStore } from '../../functions/storage/blob.js';
import { createLocalBlobStore } from '../../functions/storage/local.js';
import { createS3BlobStore } from '../../functions/storage/s3.js';
import { type FakeS3, startFakeS3 } from './fake-s3.js';

const MiB = 1024 * 1024;
let root: string;
let s3: FakeS3;
const made: BlobStore[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sb-blob-contract-'));
  s3 = await startFakeS3(['contract']);
});
afterAll(async () => {
  for (const store of made) store.dispose?.();
  await s3?.close();
  await rm(root, { recursive: true, force: true });
});

/** Each implementation, built fresh per suite; the S3 one goes multipart from 8 MiB in 5 MiB parts. */
const implementations: Array<[string, () => BlobStore]> = [
  ['local', () => createLocalBlobStore(join(root, 'local'))],
  [
    's3',
    () =>
      createS3BlobStore({
        bucket: 'contract',
        region: 'us-east-1',
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: s3.credentials,
        prefix: 'suite/',
        multipartThresholdBytes: 8 * MiB,
        partSizeBytes: 5 * MiB,
        retryBaseMs: 5,
        spoolDir: join(root, 'spool'),
      }),
  ],
];

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function fileWith(name: string, data: Buffer): Promise<string> {
  const path = join(root, name);
  await writeFile(path, data);
  return path;
}

/** Yields `data` in `size`-byte chunks, then throws when `failAfter` chunks were sent. */
async function* chunked(data: Buffer, size: number, failAfter?: number): AsyncGenerator<Uint8Array> {
  for (let i = 0, n = 0; i < data.length; i += size, n++) {
    if (failAfter !== undefined && n === failAfter) throw new Error('the uploader went away');
    yield data.subarray(i, i + size);
  }
}

describe.each(implementations)('BlobStore contract: %s', (name, create) => {
  let blobs: BlobStore;
  beforeAll(() => {
    blobs = create();
    made.push(blobs);
  });

  it('stores a file and streams the same bytes back', async () => {
    const data = randomBytes(3 * MiB + 17);
    const key = `bundles/${sha(data)}.zip`;
    await blobs.putFile(key, await fileWith(`${name}-a.bin`, data));
    expect(await blobs.exists(key)).toBe(true);
    expect(sha(await readAll(await blobs.getStream(key)))).toBe(sha(data));
    if (blobs.getPath) expect(sha(await readFile(await blobs.getPath(key)))).toBe(sha(data));
  });

  it('stores a stream of chunks and counts its bytes', async () => {
    const data = randomBytes(700_001);
    expect(await blobs.putStream('outputs/stream.csv', chunked(data, 65_536))).toEqual({
      bytes: data.length,
    });
    expect((await readAll(await blobs.getStream('outputs/stream.csv'))).equals(data)).toBe(true);
    expect(
      await blobs.putStream('outputs/node.csv', Readable.from([Buffer.from('ID,'), Buffer.from('x\n')])),
    ).toEqual({ bytes: 5 });
    expect((await readAll(await blobs.getStream('outputs/node.csv'))).toString()).toBe('ID,x\n');
  });

  it('round-trips a multi-MB file by streaming (multipart on S3)', async () => {
    const data = randomBytes(12 * MiB + 3);
    await blobs.putFile('bundles/big.zip', await fileWith(`${name}-big.bin`, data));
    expect(sha(await readAll(await blobs.getStream('bundles/big.zip')))).toBe(sha(data));
    expect(await blobs.putStream('bundles/big-stream.zip', chunked(data, MiB))).toEqual({
      bytes: data.length,
    });
    expect(sha(await readAll(await blobs.getStream('bundles/big-stream.zip')))).toBe(sha(data));
  });

  it('replaces an object whole, and concurrent writers leave exactly one of their versions', async () => {
    await blobs.putStream('outputs/same.csv', chunked(Buffer.from('first'), 2));
    await blobs.putStream('outputs/same.csv', chunked(Buffer.from('second version'), 3));
    expect((await readAll(await blobs.getStream('outputs/same.csv'))).toString()).toBe('second version');
    const versions = ['a', 'b', 'c', 'd'].map((c) => Buffer.alloc(300_000, c));
    await Promise.all(versions.map((v) => blobs.putStream('outputs/race.csv', chunked(v, 50_000))));
    const got = await readAll(await blobs.getStream('outputs/race.csv'));
    expect(versions.some((v) => v.equals(got))).toBe(true);
  });

  it('leaves nothing (and keeps the old object) when the source fails midway', async () => {
    const data = randomBytes(400_000);
    await expect(blobs.putStream('outputs/broken.csv', chunked(data, 100_000, 2))).rejects.toThrow(
      /went away/,
    );
    expect(await blobs.exists('outputs/broken.csv')).toBe(false);
    await blobs.putStream('outputs/kept.csv', chunked(Buffer.from('old'), 3));
    await expect(blobs.putStream('outputs/kept.csv', chunked(data, 100_000, 1))).rejects.toThrow(/went away/);
    expect((await readAll(await blobs.getStream('outputs/kept.csv'))).toString()).toBe('old');
  });

  it('answers not_found for a missing object, and deletes idempotently', async () => {
    expect(await blobs.exists('outputs/never.csv')).toBe(false);
    await expect(blobs.getStream('outputs/never.csv')).rejects.toSatisfy((e) =>
      isServiceError(e, 'not_found'),
    );
    await blobs.putStream('outputs/gone.csv', chunked(Buffer.from('x'), 1));
    await blobs.delete('outputs/gone.csv');
    await blobs.delete('outputs/gone.csv');
    expect(await blobs.exists('outputs/gone.csv')).toBe(false);
    await expect(blobs.getStream('outputs/gone.csv')).rejects.toSatisfy((e) =>
      isServiceError(e, 'not_found'),
    );
  });

  it.each(['../escape', 'Upper/case.zip', '/abs.zip', 'a//b', ''])('refuses the key %j', async (key) => {
    const src = await fileWith(`${name}-k.bin`, Buffer.from('k'));
    const bad = (e: unknown) => isServiceError(e, 'invalid_argument');
    await expect(blobs.putFile(key, src)).rejects.toSatisfy(bad);
    await expect(blobs.putStream(key, chunked(Buffer.from('k'), 1))).rejects.toSatisfy(bad);
    await expect(blobs.getStream(key)).rejects.toSatisfy(bad);
    await expect(blobs.exists(key)).rejects.toSatisfy(bad);
    await expect(blobs.delete(key)).rejects.toSatisfy(bad);
  });
});

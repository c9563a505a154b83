// Streaming uploads and multipart parsing: hashes, limits on chunked bodies, truncation, cleanup of partial files.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { multipartBoundary, readMultipart } from '../../functions/intake/multipart.js';
import { removeStale, streamBodyToFile } from '../../functions/intake/upload.js';
import { ServiceError } from '../../functions/services/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-upload-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A stream that yields `data` in chunks of the given sizes (cycled), then optionally fails. */
function chunked(data: Uint8Array, sizes: number[], failAfter?: number): ReadableStream<Uint8Array> {
  let offset = 0;
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (failAfter !== undefined && offset >= failAfter) {
        controller.error(new Error('socket hang up'));
        return;
      }
      if (offset >= data.length) {
        controller.close();
        return;
      }
      const size = sizes[i++ % sizes.length];
      controller.enqueue(data.slice(offset, offset + size));
      offset += size;
    },
  });
}

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, k) => (k * 31 + seed) % 251);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ServiceError);
  return (err as ServiceError).code;
}

describe('streamBodyToFile', () => {
  const options = () => ({ dir, maxBytes: 10_000, label: 'bundle' });

  it('writes the body, its size and sha256', async () => {
    const data = bytes(9_999);
    const stored = await streamBodyToFile(chunked(data, [1, 1000, 37]), '9999', options());
    expect(stored.bytes).toBe(9_999);
    expect(stored.sha256).toBe(sha(data));
    expect(Buffer.compare(await readFile(stored.path), Buffer.from(data))).toBe(0);
  });

  it('413 for a chunked body over the limit (no Content-Length) and deletes the partial file', async () => {
    expect(await codeOf(streamBodyToFile(chunked(bytes(20_000), [4096]), undefined, options()))).toBe(
      'payload_too_large',
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('413 from Content-Length alone, before reading or creating anything', async () => {
    expect(await codeOf(streamBodyToFile(chunked(bytes(10), [10]), '10001', options()))).toBe(
      'payload_too_large',
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('400 truncated when the stream fails midway or ends short of Content-Length', async () => {
    expect(await codeOf(streamBodyToFile(chunked(bytes(5000), [1000], 3000), '5000', options()))).toBe(
      'invalid_argument',
    );
    expect(await codeOf(streamBodyToFile(chunked(bytes(3000), [1000]), '5000', options()))).toBe(
      'invalid_argument',
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('400 for an empty body', async () => {
    expect(await codeOf(streamBodyToFile(chunked(bytes(0), [1]), undefined, options()))).toBe(
      'invalid_argument',
    );
    expect(await codeOf(streamBodyToFile(null, undefined, options()))).toBe('invalid_argument');
  });
});

function multipartBody(
  boundary: string,
  parts: { name: string; filename?: string; data: Uint8Array }[],
): Uint8Array {
  const out: Buffer[] = [Buffer.from('preamble to ignore\r\n')];
  for (const p of parts) {
    const file = p.filename ? `; filename="${p.filename}"\r\nContent-Type: application/zip` : '';
    out.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${file}\r\n\r\n`));
    out.push(Buffer.from(p.data), Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(out);
}

describe('readMultipart', () => {
  const boundary = '----sbBoundary7MA4YWxk';
  const spec = () => ({
    fields: ['slug', 'title'],
    files: { dataset: { dir, maxBytes: 50_000, label: 'dataset' } },
  });
  // File bytes that contain the boundary's prefix and CRLFs, to exercise the delimiter search across chunks.
  const tricky = Buffer.concat([
    bytes(20_000),
    Buffer.from(`\r\n--${boundary.slice(0, 10)}\r\n-`),
    bytes(7_000, 5),
  ]);

  it('parses the boundary of a content type, quoted or not', () => {
    expect(multipartBoundary(`multipart/form-data; boundary=${boundary}`)).toBe(boundary);
    expect(multipartBoundary('multipart/form-data; boundary="a b"')).toBe('a b');
    expect(multipartBoundary('application/zip')).toBeNull();
    expect(() => multipartBoundary('multipart/form-data')).toThrow(ServiceError);
  });

  for (const sizes of [[1], [7, 3], [4096], [65_536]]) {
    it(`streams fields and files whatever the chunking (${sizes.join(',')})`, async () => {
      const body = multipartBody(boundary, [
        { name: 'slug', data: Buffer.from('sketch-x') },
        { name: 'dataset', filename: 'd.zip', data: tricky },
        { name: 'title', data: Buffer.from('Ünïcode title') },
      ]);
      const out = await readMultipart(chunked(body, sizes), boundary, spec());
      expect(out.fields).toEqual({ slug: 'sketch-x', title: 'Ünïcode title' });
      expect(out.files.dataset.bytes).toBe(tricky.length);
      expect(out.files.dataset.sha256).toBe(sha(tricky));
    });
  }

  it('refuses unknown and repeated fields and deletes files already written', async () => {
    const unknown = multipartBody(boundary, [
      { name: 'dataset', filename: 'd.zip', data: bytes(100) },
      { name: 'admin', data: Buffer.from('1') },
    ]);
    expect(await codeOf(readMultipart(chunked(unknown, [64]), boundary, spec()))).toBe('invalid_argument');
    const twice = multipartBody(boundary, [
      { name: 'slug', data: Buffer.from('a') },
      { name: 'slug', data: Buffer.from('b') },
    ]);
    expect(await codeOf(readMultipart(chunked(twice, [64]), boundary, spec()))).toBe('invalid_argument');
    expect(await readdir(dir)).toEqual([]);
  });

  it('413 when a file part passes its limit, 400 when the closing boundary never comes', async () => {
    const big = multipartBody(boundary, [{ name: 'dataset', filename: 'd.zip', data: bytes(60_000) }]);
    expect(await codeOf(readMultipart(chunked(big, [999]), boundary, spec()))).toBe('payload_too_large');
    const cut = multipartBody(boundary, [{ name: 'dataset', filename: 'd.zip', data: bytes(9_000) }]).slice(
      0,
      5_000,
    );
    expect(await codeOf(readMultipart(chunked(cut, [999]), boundary, spec()))).toBe('invalid_argument');
    const failing = multipartBody(boundary, [{ name: 'dataset', filename: 'd.zip', data: bytes(9_000) }]);
    expect(await codeOf(readMultipart(chunked(failing, [999], 4_000), boundary, spec()))).toBe(
      'invalid_argument',
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a text field longer than its cap', async () => {
    const long = multipartBody(boundary, [{ name: 'title', data: bytes(70_000) }]);
    expect(await codeOf(readMultipart(chunked(long, [4096]), boundary, spec()))).toBe('payload_too_large');
  });
});

describe('removeStale', () => {
  it('removes only old entries with the given prefixes', async () => {
    const old = new Date(Date.now() - 3 * 3600_000);
    await writeFile(join(dir, 'upload-old.part'), 'x');
    await mkdir(join(dir, 'sketchboard-bundle-old'));
    await writeFile(join(dir, 'upload-new.part'), 'x');
    await writeFile(join(dir, 'keep-me'), 'x');
    await utimes(join(dir, 'upload-old.part'), old, old);
    await utimes(join(dir, 'sketchboard-bundle-old'), old, old);
    await utimes(join(dir, 'keep-me'), old, old);
    expect(await removeStale(dir, ['upload-', 'sketchboard-bundle-'], 3600_000)).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['keep-me', 'upload-new.part']);
    expect(await removeStale(join(dir, 'missing'), ['upload-'], 0)).toBe(0);
  });
});

// File helpers for datasets: atomic writes, bounded-concurrency mapping, safe relative paths, framed binary heads.
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SketchboardError } from '../errors.js';

/**
 * A fresh hidden temp name next to `file` (`.name.<pid>.<random>.tmp`), to write and then rename over it.
 *
 * @example
 * const temp = tempSibling('out/bundle.zip'); // 'out/.bundle.zip.4242.9f3a1c0b.tmp'
 */
export function tempSibling(file: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
}

/**
 * Write a file atomically: write a sibling temp file, then rename it over the target.
 * Readers never see a half-written file; on failure the temp file is removed.
 *
 * @example
 * await writeFileAtomic('/data/train.csv', 'class_name,image_path,target\n');
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempSibling(file);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Map `items` through an async function with at most `limit` calls in flight; results keep input order.
 * The first rejection stops new calls and is rethrown once the calls in flight have settled.
 *
 * @example
 * const sizes = await mapLimit(files, 32, async (f) => (await stat(f)).size);
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (err) {
        if (!failed) firstError = err;
        failed = true;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  if (failed) throw firstError;
  return results;
}

/**
 * Check a dataset path relative to its folder and return it in POSIX form. Refuses empty, absolute
 * (`/x`, `C:\x`, `\\server`) and escaping (`..`) paths, and backslashes, with a reason.
 *
 * @example
 * safeRelativePath('cat/1.png'); // 'cat/1.png'
 * safeRelativePath('../etc/passwd'); // throws: escapes the folder
 */
export function safeRelativePath(rel: string): string {
  const fail = (why: string) => {
    throw new SketchboardError('invalid_data', `image_path "${rel}" ${why}`);
  };
  if (rel.trim() === '') fail('is empty');
  if (rel.includes('\0')) fail('contains a NUL byte');
  if (rel.includes('\\')) fail('contains a backslash (use "/" as the separator)');
  if (path.posix.isAbsolute(rel) || /^[A-Za-z]:/.test(rel))
    fail('is absolute (paths must be relative to the folder)');
  const normal = path.posix.normalize(rel);
  if (normal === '..' || normal.startsWith('../') || rel.split('/').includes('..'))
    fail('escapes the folder (..)');
  if (normal === '.' || normal.endsWith('/')) fail('does not name a file');
  return normal;
}

/** Bytes before a framed file's JSON header: 4-byte ASCII magic, u32 version, u32 header length. */
export const FRAME_HEAD_BYTES = 12;

/**
 * The head of a framed binary file: `magic` (4 ASCII bytes), u32 version, u32 header length (all
 * little-endian), then the JSON header padded with spaces to 4 bytes, so float32/int32 payloads that
 * follow stay aligned. Readers check magic and version, then parse `FRAME_HEAD_BYTES`..+length.
 *
 * @example
 * await fh.write(frameHead('SKBR', 2, { classes, count }));
 */
export function frameHead(magic: string, version: number, header: unknown): Buffer {
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (4 - (json.length % 4)) % 4;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const head = Buffer.alloc(FRAME_HEAD_BYTES);
  head.write(magic, 0, 'ascii');
  head.writeUInt32LE(version, 4);
  head.writeUInt32LE(json.length, 8);
  return Buffer.concat([head, json]);
}

// Downloading a competition's data: the file list, resumable verified downloads (.part + Range), unpacking the zips.
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { type ApiDataFile, type ApiDataList, dataListResponse } from '../api/data.js';
import { digestFile } from '../bundle/digest.js';
import { formatIssues, SketchboardError } from '../errors.js';
import type { SketchboardClient } from './client.js';
import { seg } from './client.js';
import { ClientError, unexpectedBody } from './errors.js';

/** What happened to one file: already there and verified, fetched whole, or continued from a `.part`. */
export type DownloadOutcome = 'present' | 'downloaded' | 'resumed';

/** Called as bytes land in the file: bytes on disk so far (a resumed part included) and the file size. */
export type OnBytes = (done: number, total: number) => void;

/**
 * `GET /api/competitions/:slug/data`: the files competition `slug` offers and the ones it withholds, with why.
 *
 * @example
 * const { files, withheld } = await dataFileList(client, 'sketch-demo');
 */
export async function dataFileList(client: SketchboardClient, slug: string): Promise<ApiDataList> {
  const what = `data of ${slug}`;
  const res = await client.send(`/api/competitions/${seg(slug)}/data`, {}, what);
  const parsed = dataListResponse.safeParse(await res.json().catch(() => undefined));
  if (!parsed.success) throw unexpectedBody(what, formatIssues(parsed.error.issues.slice(0, 1), 'body'));
  return parsed.data;
}

/** sha256 and size of a file on disk (null when there is none). */
export async function fileDigest(path: string): Promise<{ sha256: string; bytes: number } | null> {
  const info = await stat(path).catch(() => null);
  return info?.isFile() ? digestFile(path) : null;
}

/** The ETag a `.part` was started with (kept beside it), so a changed file on the server starts it over. */
const etagFile = (part: string) => `${part}.etag`;

async function partState(part: string, etag: string): Promise<number> {
  const size = (await stat(part).catch(() => null))?.size ?? 0;
  const started = await readFile(etagFile(part), 'utf8').catch(() => '');
  if (size > 0 && started === etag) return size;
  await rm(part, { force: true });
  await writeFile(etagFile(part), etag);
  return 0;
}

/** The offset a 206 continues from (`Content-Range: bytes a-b/size`), or null when the answer is not one. */
function rangeStart(res: Response): number | null {
  if (res.status !== 206) return null;
  const m = /^bytes (\d+)-\d+\/\d+$/.exec(res.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : null;
}

/**
 * Download one listed file to `dest`, verified by its sha256. A file already at `dest` with that hash is kept
 * (no request). Otherwise bytes go to `dest.part`; a `.part` left by an interrupted run is continued with
 * `Range` + `If-Range` when the server's ETag is still the one it was started with, else started over. A
 * finished file whose sha256 is not the listed one is deleted and the call fails (SketchboardError
 * `invalid_data`), so a rerun downloads it afresh.
 *
 * @example
 * const outcome = await downloadDataFile(client, file, 'data/train.zip', (done, total) => bar.update(done, total));
 */
export async function downloadDataFile(
  client: SketchboardClient,
  file: ApiDataFile,
  dest: string,
  onBytes: OnBytes = () => {},
): Promise<DownloadOutcome> {
  if ((await fileDigest(dest))?.sha256 === file.sha256) return 'present';
  const part = `${dest}.part`;
  const etag = `"${file.sha256}"`;
  let offset = await partState(part, etag);
  const headers: Record<string, string> =
    offset > 0 && offset < file.bytes ? { range: `bytes=${offset}-`, 'if-range': etag } : {};
  let res: Response;
  try {
    res = await client.send(file.url, { headers }, `download ${file.name}`);
  } catch (err) {
    // 416: the part is no prefix of the file (longer than it): start over once, without a range.
    if (!(err instanceof ClientError && err.status === 416)) throw err;
    res = await client.send(file.url, {}, `download ${file.name}`);
  }
  if (rangeStart(res) !== offset) offset = 0; // a whole file (200), or not where the part ends
  const resumed = offset > 0;
  let done = offset;
  onBytes(done, file.bytes);
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      onBytes(done, file.bytes);
      callback(null, chunk);
    },
  });
  if (!res.body) throw unexpectedBody(`download ${file.name}`, 'no body');
  const out = createWriteStream(part, offset > 0 ? { flags: 'r+', start: offset } : { flags: 'w' });
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), count, out);
  const got = await fileDigest(part);
  if (got?.sha256 !== file.sha256 || got.bytes !== file.bytes) {
    await rm(part, { force: true });
    await rm(etagFile(part), { force: true });
    throw new SketchboardError(
      'invalid_data',
      `${file.name}: sha256 mismatch (expected ${file.sha256}, got ${got?.sha256} over ${got?.bytes} bytes); ` +
        'the download was deleted, run the command again',
    );
  }
  await rename(part, dest);
  await rm(etagFile(part), { force: true });
  return resumed ? 'resumed' : 'downloaded';
}

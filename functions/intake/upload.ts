// Streaming uploads: request body → temp file, hashed (sha256) and size-limited as it goes; never buffered whole.
import { createHash, type Hash, randomUUID } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ServiceError } from '../services/errors.js';

/** A body written to disk: where, how many bytes, and the sha256 of those bytes (hex). */
export type StoredUpload = { path: string; bytes: number; sha256: string };

/** Limits and place of one upload. `label` names it in error messages ("bundle", "dataset"). */
export type UploadOptions = { dir: string; maxBytes: number; label: string };

/**
 * One file being written from a stream: counts bytes against the limit (413 and the partial file deleted
 * when exceeded), hashes as it writes, and awaits each write so the network is throttled by the disk.
 */
export class FileSink {
  readonly path: string;
  #bytes = 0;
  readonly #hash: Hash = createHash('sha256');

  private constructor(
    readonly options: UploadOptions,
    private readonly handle: FileHandle,
    path: string,
  ) {
    this.path = path;
  }

  /** Create the temp file (exclusive) in `options.dir`. */
  static async create(options: UploadOptions): Promise<FileSink> {
    await mkdir(options.dir, { recursive: true });
    const path = join(options.dir, `upload-${randomUUID()}.part`);
    return new FileSink(options, await open(path, 'wx', 0o600), path);
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Append a chunk; throws 413 (after deleting the file) when the limit would be passed. */
  async write(chunk: Uint8Array): Promise<void> {
    if (chunk.byteLength === 0) return;
    this.#bytes += chunk.byteLength;
    if (this.#bytes > this.options.maxBytes) {
      await this.abort();
      throw tooLarge(this.options);
    }
    this.#hash.update(chunk);
    await this.handle.write(chunk);
  }

  /** Close the file and return what was stored. */
  async finish(): Promise<StoredUpload> {
    await this.handle.close();
    return { path: this.path, bytes: this.#bytes, sha256: this.#hash.digest('hex') };
  }

  /** Close and delete the partial file. Safe to call more than once. */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.path, { force: true });
  }
}

function tooLarge(options: UploadOptions): ServiceError {
  return new ServiceError(
    'payload_too_large',
    `${options.label} is larger than the limit of ${options.maxBytes} bytes`,
  );
}

/** The 400 for a body that ended early (client aborted, connection dropped, Content-Length not reached). */
export function truncated(label: string, detail: string, cause?: unknown): ServiceError {
  return new ServiceError('invalid_argument', `${label} upload was truncated: ${detail}`, { cause });
}

/**
 * Parse a Content-Length header: undefined when absent, 400 when malformed, 413 when over the limit
 * (checked before reading a byte).
 */
export function declaredLength(header: string | undefined, options: UploadOptions): number | undefined {
  if (header === undefined) return undefined;
  if (!/^\d{1,15}$/.test(header.trim()))
    throw new ServiceError('invalid_argument', 'Content-Length is not a number');
  const length = Number(header.trim());
  if (length > options.maxBytes) throw tooLarge(options);
  return length;
}

/**
 * Read a web stream chunk by chunk, converting a stream failure (client gone, socket reset) into a 400
 * "truncated" error. Errors `onChunk` throws (a 413, say) pass through unchanged; the rest of the stream is
 * cancelled on any error.
 */
export async function readChunks(
  body: ReadableStream<Uint8Array>,
  label: string,
  onChunk: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  const reader = body.getReader();
  try {
    for (;;) {
      let step: Awaited<ReturnType<typeof reader.read>>;
      try {
        step = await reader.read();
      } catch (err) {
        throw truncated(label, 'the connection ended before the body was complete', err);
      }
      if (step.done) return;
      await onChunk(step.value);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * Stream a raw request body to a temp file. 413 when Content-Length or the bytes actually received exceed
 * `maxBytes` (chunked bodies included), 400 when the body is empty or shorter than its Content-Length.
 * The partial file is deleted on every failure.
 *
 * @example
 * const upload = await streamBodyToFile(c.req.raw.body, c.req.header('content-length'), {
 *   dir: tmpDir, maxBytes: 50 << 20, label: 'bundle' });
 */
export async function streamBodyToFile(
  body: ReadableStream<Uint8Array> | null,
  contentLength: string | undefined,
  options: UploadOptions,
): Promise<StoredUpload> {
  const expected = declaredLength(contentLength, options);
  if (body === null || expected === 0)
    throw new ServiceError('invalid_argument', `${options.label} upload is empty`);
  const sink = await FileSink.create(options);
  try {
    await readChunks(body, options.label, (chunk) => sink.write(chunk));
    const stored = await sink.finish();
    if (stored.bytes === 0) throw new ServiceError('invalid_argument', `${options.label} upload is empty`);
    if (expected !== undefined && stored.bytes !== expected) {
      throw truncated(options.label, `received ${stored.bytes} of ${expected} bytes`);
    }
    return stored;
  } catch (err) {
    await sink.abort();
    throw err;
  }
}

/**
 * Remove what crashed processes left in `dir`: entries whose name starts with one of `prefixes` and that
 * were last modified more than `maxAgeMs` ago (so uploads in flight on other replicas are kept). Returns
 * how many were removed.
 *
 * @example
 * await removeStale(config.workDir, ['upload-', 'sketchboard-bundle-'], 2 * 3600_000);
 */
export async function removeStale(
  dir: string,
  prefixes: readonly string[],
  maxAgeMs: number,
): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names.filter((n) => prefixes.some((p) => n.startsWith(p)))) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (info && Date.now() - info.mtimeMs > maxAgeMs) {
      await rm(path, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

// A file as a streamed request body: read chunk by chunk as fetch pulls it, bytes counted for a progress bar.
import { type FileHandle, open } from 'node:fs/promises';
import { SketchboardError } from '../errors.js';

/** Default read size: fetch pulls the next chunk only after the last one went out, so memory stays flat. */
export const UPLOAD_CHUNK_BYTES = 256 * 1024;

export type FileBodyOptions = {
  chunkSize?: number;
  /** Called after each chunk is handed to the request, with bytes sent so far and the file size. */
  onProgress?(sent: number, total: number): void;
};

/** A streamed body over an open file. `close()` is safe to call more than once and after the stream ended. */
export type FileBody = { body: ReadableStream<Uint8Array>; size: number; close(): Promise<void> };

/**
 * Opens `path` and returns a pull-based stream of its bytes (never more than one chunk in memory), its
 * size for Content-Length, and a close for the error path. Use with `fetch(url, { body, duplex: 'half' })`.
 *
 * @example
 * const file = await fileBody('bundle.zip', { onProgress: (sent, total) => bar.update(sent, total) });
 * try { await fetch(url, { method: 'POST', body: file.body, duplex: 'half' }); } finally { await file.close(); }
 */
export async function fileBody(path: string, options: FileBodyOptions = {}): Promise<FileBody> {
  const chunkSize = options.chunkSize ?? UPLOAD_CHUNK_BYTES;
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : String(code);
    throw new SketchboardError('invalid_argument', `cannot read ${path}: ${why}`, { cause: err });
  }
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw new SketchboardError('invalid_argument', `cannot read ${path}: not a regular file`);
  }
  const size = stats.size;
  let sent = 0;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close().catch(() => undefined);
  };
  options.onProgress?.(0, size);
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const want = Math.min(chunkSize, size - sent);
        if (want === 0) {
          await close();
          controller.close();
          return;
        }
        const buffer = new Uint8Array(want);
        const { bytesRead } = await handle.read(buffer, 0, want, sent);
        if (bytesRead === 0) {
          await close();
          controller.error(new SketchboardError('invalid_data', `${path} shrank while it was uploaded`));
          return;
        }
        sent += bytesRead;
        controller.enqueue(buffer.subarray(0, bytesRead));
        options.onProgress?.(sent, size);
      } catch (err) {
        await close();
        controller.error(err);
      }
    },
    async cancel() {
      await close();
    },
  });
  return { body, size, close };
}

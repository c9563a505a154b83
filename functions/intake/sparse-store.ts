// The tus file store used for bundle uploads: @tus/file-store, writing runs of zero bytes as holes.
import { open } from 'node:fs/promises';
import type http from 'node:http';
import { join } from 'node:path';
import type stream from 'node:stream';
import { FileStore } from '@tus/file-store';

/** Compared against each received chunk: an all-zero chunk is skipped (a hole) instead of written. */
const ZEROS = Buffer.alloc(256 * 1024);

function isZero(chunk: Buffer): boolean {
  for (let at = 0; at < chunk.length; at += ZEROS.length) {
    const part = chunk.subarray(at, Math.min(chunk.length, at + ZEROS.length));
    if (!part.equals(ZEROS.subarray(0, part.length))) return false;
  }
  return true;
}

/**
 * @tus/file-store's FileStore whose writes go chunk by chunk at the upload's offset, one chunk in memory at a
 * time (each write awaited, so the network waits for the disk), and which leaves all-zero chunks as holes
 * (as `cp --sparse` does): padded weight files and zero-initialised tensors then take no disk, and a
 * multi-gigabyte sparse test upload writes nothing. The file's size still counts every byte received, so
 * tus's offset (HEAD) is exact; the reader sees zeros in the holes, so the sha256 is the same.
 *
 * @example
 * const store = new SparseFileStore({ directory: join(workDir, 'tus') });
 */
export class SparseFileStore extends FileStore {
  override async write(
    readable: http.IncomingMessage | stream.Readable,
    fileId: string,
    offset: number,
  ): Promise<number> {
    const handle = await open(join(this.directory, fileId), 'r+');
    let position = offset;
    try {
      for await (const chunk of readable as AsyncIterable<Buffer>) {
        if (!isZero(chunk)) await handle.write(chunk, 0, chunk.length, position);
        position += chunk.length;
      }
    } finally {
      // Trailing zero chunks were not written: extend the file so its size is every byte received.
      if ((await handle.stat()).size < position) await handle.truncate(position);
      await handle.close();
    }
    return position;
  }
}

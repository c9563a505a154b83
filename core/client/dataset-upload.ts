// A dataset folder (or its zip) as a streamed multipart body: `POST /api/competitions` with the zip in field `dataset`.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { listRegularFiles } from '../bundle/files.js';
import { SketchboardError } from '../errors.js';
import { fileBody } from './upload.js';

/** A request body with its length and the cleanup to run when the request is done. */
export type StreamedForm = {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  size: number;
  close(): Promise<void>;
};

/**
 * Zips a folder into a temp file (streamed, never in memory); a zip path is used as it is. Returns the zip's
 * path and a cleanup that removes only what was made here.
 *
 * @example
 * const { zip, cleanup } = await zipIfFolder('data/sketch'); // ... upload zip ...; await cleanup();
 */
export async function zipIfFolder(path: string): Promise<{ zip: string; cleanup(): Promise<void> }> {
  const info = await stat(path).catch((err: unknown) => {
    throw new SketchboardError('invalid_argument', `cannot read ${path}: no such file or folder`, {
      cause: err,
    });
  });
  if (!info.isDirectory()) return { zip: path, cleanup: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'sketchboard-dataset-'));
  const zip = join(dir, 'dataset.zip');
  const z = new ZipFile();
  for (const rel of await listRegularFiles(path)) z.addFile(join(path, rel), rel, { compress: false });
  z.end();
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const done = pipeline(z.outputStream, createWriteStream(zip));
    await new Promise<void>((resolve, reject) => {
      z.on('error', reject);
      done.then(resolve, reject);
    });
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { zip, cleanup };
}

/**
 * A multipart/form-data body of text fields and one file, streamed from disk with an exact Content-Length.
 *
 * @example
 * const form = await multipartFile({ slug: 'demo' }, 'dataset', 'dataset.zip', '/tmp/d.zip');
 * await fetch(url, { method: 'POST', body: form.body, headers: { 'content-type': form.contentType }, duplex: 'half' });
 */
export async function multipartFile(
  fields: Record<string, string>,
  fileField: string,
  fileName: string,
  path: string,
): Promise<StreamedForm> {
  const boundary = `sketchboard-${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(
    Object.entries(fields)
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('') +
      `--${boundary}\r\nContent-Disposition: form-data; name="${fileField}"; filename="${fileName}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const file = await fileBody(path);
  const reader = file.body.getReader();
  let stage: 'head' | 'file' | 'done' = 'head';
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (stage === 'head') {
        stage = 'file';
        controller.enqueue(head);
      } else if (stage === 'file') {
        const { value, done } = await reader.read();
        if (done) {
          stage = 'done';
          controller.enqueue(tail); // every pull enqueues, or the stream would wait for a pull that never comes
        } else controller.enqueue(value);
      } else controller.close();
    },
    async cancel() {
      await file.close();
    },
  });
  return {
    body,
    contentType: `multipart/form-data; boundary=${boundary}`,
    size: head.length + file.size + tail.length,
    close: file.close,
  };
}

// Helpers of the data-for-participants tests: read a zip's entries from memory, and the file list of a competition.
import { type Entry, fromBuffer } from 'yauzl';
import { dataListResponse } from '../../core/api/data.js';
import type { Harness } from './fixtures.js';
import { call, parse } from './flow.js';

/** Every file entry of a zip (name → bytes), read with yauzl from memory. */
export function zipEntries(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    fromBuffer(zip, { lazyEntries: true }, (err, file) => {
      if (err || !file) return reject(err);
      const out = new Map<string, Buffer>();
      file.on('error', reject);
      file.on('end', () => resolve(out));
      file.on('entry', (entry: Entry) => {
        file.openReadStream(entry, async (openErr, stream) => {
          if (openErr || !stream) return reject(openErr);
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk as Buffer);
          out.set(entry.fileName, Buffer.concat(chunks));
          file.readEntry();
        });
      });
      file.readEntry();
    });
  });
}

/** `GET /api/competitions/:slug/data`, checked against the documented schema. */
export async function dataList(h: Harness, slug: string) {
  const reply = await call(h, 'GET', `/api/competitions/${slug}/data`);
  return parse(dataListResponse, reply);
}

/** The bytes of one downloaded file (200 expected). */
export async function download(h: Harness, path: string, headers: Record<string, string> = {}) {
  const res = await h.app.request(path, { headers });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

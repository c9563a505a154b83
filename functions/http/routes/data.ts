// Data for participants: the list of downloadable files and each file streamed from the blob store (Range, ETag, HEAD).
import { Readable } from 'node:stream';
import { slugParams } from '../../../core/api/common.js';
import { dataFileParams, dataFilePath, dataListResponse } from '../../../core/api/data.js';
import { type DataContext, getDataFile, listDataFiles } from '../../services/data-files.js';
import type { ByteRange } from '../../storage/blob.js';
import type { AppContext, RouteDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { shape } from '../respond.js';
import { type ApiApp, apiRoute, documented, errorResponses, json } from './openapi.js';

export const listDataRoute = apiRoute('any', {
  method: 'get',
  path: '/api/competitions/{slug}/data',
  summary: 'Files for participants',
  description:
    '`train.zip` (train.csv + train/), `test.zip` (test.csv + test/: never labels or the split) and ' +
    '`sample_submission.csv` (`ID,image_path,target`, placeholder targets), each with its size, sha256 and ' +
    'download path. A file the competition does not offer is listed under `withheld` with the reason (a ' +
    'bundle-only competition keeps its test images on the server). Files are built once, on first request.',
  tags: ['data'],
  request: { params: slugParams },
  responses: {
    200: { description: 'the offered and the withheld files', content: json(dataListResponse) },
    ...errorResponses('invalid_argument', 'unauthenticated', 'not_found'),
  },
});

export const getDataFileRoute = apiRoute('any', {
  method: 'get',
  path: '/api/competitions/{slug}/data/{file}',
  summary: 'Download one file',
  description:
    'Streamed from the blob store. `HEAD` answers the headers only. A single `Range: bytes=a-b` (or `a-`, ' +
    '`-n`) answers 206 with `Content-Range`; a range past the end answers 416; several ranges, or an ' +
    '`If-Range` that is not the current ETag, answer the whole file. The strong `ETag` is the sha256: ' +
    '`If-None-Match` answers 304. A withheld or unknown file is 404 with the reason.',
  tags: ['data'],
  request: { params: dataFileParams },
  responses: {
    200: {
      description: 'the whole file',
      content: { 'application/octet-stream': { schema: { type: 'string' as const, format: 'binary' } } },
    },
    206: {
      description: 'the requested range',
      content: { 'application/octet-stream': { schema: { type: 'string' as const, format: 'binary' } } },
    },
    304: { description: 'unchanged (If-None-Match)' },
    ...errorResponses('invalid_argument', 'unauthenticated', 'not_found', 'range_not_satisfiable'),
  },
});

/**
 * The one range of a `Range` header over a file of `size` bytes: null to send the whole file (no header,
 * a syntax this server does not honour, or several ranges), 'unsatisfiable' when it starts past the end.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  const m = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return null; // invalid: ignored, the whole file is sent
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

const CONTENT_TYPE: Record<string, string> = {
  zip: 'application/zip',
  csv: 'text/csv; charset=utf-8',
};

/** Headers every answer about a file carries, the 304 and HEAD included. */
function fileHeaders(file: { name: string; sha256: string }): Record<string, string> {
  return {
    ETag: `"${file.sha256}"`,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'public, max-age=0, must-revalidate',
    'X-Content-Type-Options': 'nosniff',
  };
}

/** True when an `If-None-Match` list names this ETag (or is `*`). */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

/** Answer a request for one file: 304, 416, 206 or 200, streamed (HEAD: the same headers, no body). */
async function serveFile(c: AppContext, ctx: DataContext, slug: string, name: string): Promise<Response> {
  const file = await getDataFile(ctx, slug, name);
  const headers = fileHeaders(file);
  if (matches(c.req.header('if-none-match'), headers.ETag))
    return new Response(null, { status: 304, headers });
  const ifRange = c.req.header('if-range');
  const wanted = ifRange === undefined || ifRange.trim() === headers.ETag ? c.req.header('range') : undefined;
  const range = parseRange(wanted, file.bytes);
  if (range === 'unsatisfiable') {
    c.header('Content-Range', `bytes */${file.bytes}`);
    throw new HttpError(
      'range_not_satisfiable',
      `${name} has ${file.bytes} bytes; the range ${wanted} starts past its end`,
    );
  }
  const ext = name.slice(name.lastIndexOf('.') + 1);
  const length = range ? range.end - range.start + 1 : file.bytes;
  const all: Record<string, string> = {
    ...headers,
    'Content-Type': CONTENT_TYPE[ext] ?? 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${name}"`,
    'Content-Length': String(length),
    ...(range ? { 'Content-Range': `bytes ${range.start}-${range.end}/${file.bytes}` } : {}),
  };
  const status = range ? 206 : 200;
  // HEAD: no stream is opened (Hono would drop its body unread, leaving the file open).
  if (c.req.method === 'HEAD') return new Response(null, { status, headers: all });
  const stream = await ctx.blobs.getStream(file.blobKey, range ?? undefined);
  return new Response(Readable.toWeb(stream) as ReadableStream, { status, headers: all });
}

/**
 * Register the data routes.
 *
 * @example
 * registerData(app, routeDeps); // in createApp, after the competition routes
 */
export function registerData(app: ApiApp, deps: RouteDeps): void {
  const ctx: DataContext = { db: deps.services.db, blobs: deps.blobs, workDir: deps.config.workDir };

  app.openapi(documented(app, listDataRoute), async (c) => {
    const { slug } = c.req.valid('param');
    const { files, withheld } = await listDataFiles(ctx, slug);
    const listed = files.map((f) => ({ ...f, url: dataFilePath(slug, f.name) }));
    return c.json(shape(dataListResponse, { files: listed, withheld }), 200);
  });

  app.openapi(documented(app, getDataFileRoute), async (c) => {
    const { slug, file } = c.req.valid('param');
    return serveFile(c, ctx, slug, file);
  });
}

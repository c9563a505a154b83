// A small streaming multipart/form-data reader: text fields into memory (capped), file fields straight to disk.
import { HttpError } from '../http/errors.js';
import { FileSink, readChunks, type StoredUpload, truncated, type UploadOptions } from './upload.js';

/** What a multipart request may contain. Anything else is a 400, so unknown fields never pass silently. */
export type MultipartSpec = {
  /** Allowed text fields. */
  fields: readonly string[];
  /** Allowed file fields, each streamed to its own temp file with its own limit. */
  files: Record<string, UploadOptions>;
  /** Cap for one text field, in bytes. Default 64 KiB. */
  maxFieldBytes?: number;
};

export type MultipartResult = { fields: Record<string, string>; files: Record<string, StoredUpload> };

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 8 * 1024;
const MAX_PARTS = 64;

/** The boundary of a `multipart/form-data` content type, or null for any other type. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw new HttpError('invalid_argument', 'multipart/form-data without a boundary');
  return boundary;
}

function partHeaders(raw: string): { name: string; filename: string | undefined } {
  const disposition = raw.split('\r\n').find((line) => /^content-disposition:/i.test(line));
  const name = disposition && /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
  if (!name) throw new HttpError('invalid_argument', 'multipart part without a Content-Disposition name');
  const filename = /;\s*filename="([^"]*)"/i.exec(disposition)?.[1];
  return { name, filename };
}

type Part = { name: string; sink?: FileSink; text?: Buffer[]; textBytes: number };

/**
 * Read a multipart body as it streams. File parts go to disk through FileSink (413 when over their
 * limit), text parts are kept up to `maxFieldBytes`. Unknown or repeated fields → 400; a body that
 * ends before the closing boundary → 400 truncated. On any failure every file written so far is deleted.
 *
 * @example
 * const { fields, files } = await readMultipart(c.req.raw.body, boundary, {
 *   fields: [], files: { bundle: { dir, maxBytes, label: 'bundle' } } });
 */
export async function readMultipart(
  body: ReadableStream<Uint8Array> | null,
  boundary: string,
  spec: MultipartSpec,
): Promise<MultipartResult> {
  if (body === null) throw new HttpError('invalid_argument', 'multipart body is empty');
  const maxField = spec.maxFieldBytes ?? 64 * 1024;
  const first = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const result: MultipartResult = { fields: {}, files: {} };
  const seen = new Set<string>();
  const sinks: FileSink[] = [];
  let state = 'preamble' as 'preamble' | 'after-boundary' | 'headers' | 'body' | 'done';
  let buf: Buffer = Buffer.alloc(0);
  let part: Part | undefined;

  const emit = async (data: Buffer) => {
    if (!part || data.length === 0) return;
    if (part.sink) return part.sink.write(data);
    part.textBytes += data.length;
    if (part.textBytes > maxField)
      throw new HttpError('payload_too_large', `field "${part.name}" is too long`);
    part.text?.push(data);
  };
  const endPart = async () => {
    if (!part) return;
    if (part.sink) result.files[part.name] = await part.sink.finish();
    else result.fields[part.name] = Buffer.concat(part.text ?? []).toString('utf8');
    part = undefined;
  };
  const startPart = async (rawHeaders: string) => {
    const { name, filename } = partHeaders(rawHeaders);
    if (seen.has(name)) throw new HttpError('invalid_argument', `multipart field "${name}" appears twice`);
    if (seen.size >= MAX_PARTS) throw new HttpError('invalid_argument', 'too many multipart fields');
    seen.add(name);
    const fileOptions = Object.hasOwn(spec.files, name) ? spec.files[name] : undefined;
    if (fileOptions) {
      const sink = await FileSink.create(fileOptions);
      sinks.push(sink);
      part = { name, sink, textBytes: 0 };
    } else if (spec.fields.includes(name) && filename === undefined) {
      part = { name, text: [], textBytes: 0 };
    } else {
      const allowed = [...spec.fields, ...Object.keys(spec.files)].join(', ');
      throw new HttpError('invalid_argument', `unexpected multipart field "${name}" (allowed: ${allowed})`);
    }
  };

  // Consume as much of `buf` as the current state allows; returns when more bytes are needed.
  const step = async () => {
    for (;;) {
      if (state === 'preamble') {
        const at = buf.indexOf(first);
        if (at < 0) {
          if (buf.length > MAX_HEADER_BYTES)
            throw new HttpError('invalid_argument', 'multipart boundary not found');
          return;
        }
        buf = buf.subarray(at + first.length);
        state = 'after-boundary';
      } else if (state === 'after-boundary') {
        if (buf.length < 2) return;
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          state = 'done';
          return;
        }
        if (!buf.subarray(0, 2).equals(CRLF))
          throw new HttpError('invalid_argument', 'malformed multipart boundary');
        buf = buf.subarray(2);
        state = 'headers';
      } else if (state === 'headers') {
        const at = buf.indexOf(HEADER_END);
        if (at < 0) {
          if (buf.length > MAX_HEADER_BYTES)
            throw new HttpError('invalid_argument', 'multipart part headers too long');
          return;
        }
        await startPart(buf.subarray(0, at).toString('utf8'));
        buf = buf.subarray(at + HEADER_END.length);
        state = 'body';
      } else if (state === 'body') {
        const at = buf.indexOf(delimiter);
        if (at < 0) {
          const keep = Math.min(buf.length, delimiter.length - 1);
          await emit(buf.subarray(0, buf.length - keep));
          buf = Buffer.from(buf.subarray(buf.length - keep));
          return;
        }
        await emit(buf.subarray(0, at));
        await endPart();
        buf = buf.subarray(at + delimiter.length);
        state = 'after-boundary';
      } else {
        return;
      }
    }
  };

  try {
    await readChunks(body, 'multipart', async (chunk) => {
      buf = buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([buf, chunk]);
      await step();
      return state === 'done' ? 'stop' : undefined; // the epilogue is not read
    });
    if (state !== 'done') throw truncated('multipart', 'the closing boundary is missing');
    return result;
  } catch (err) {
    await Promise.all(sinks.map((s) => s.abort()));
    throw err;
  }
}

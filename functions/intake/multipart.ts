// Streaming multipart/form-data through busboy: text fields into memory (capped), file fields straight to disk.
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { ServiceError } from '../services/errors.js';
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

const MAX_PARTS = 64;
/** Bytes a body may carry beyond its fields and files: boundaries, part headers, preamble, epilogue. */
const MAX_OVERHEAD_BYTES = 2 * 1024 * 1024;

/** The boundary of a `multipart/form-data` content type, or null for any other type. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw new ServiceError('invalid_argument', 'multipart/form-data without a boundary');
  return boundary;
}

/** busboy's own errors (malformed or cut-off bodies) as the 400s clients see. */
function parseError(err: unknown): ServiceError {
  const message = err instanceof Error ? err.message : String(err);
  if (/^Unexpected end of (form|file)$/.test(message))
    return truncated('multipart', 'the closing boundary is missing', err);
  return new ServiceError('invalid_argument', `malformed multipart body: ${message.toLowerCase()}`, {
    cause: err,
  });
}

/** Text of a stream, refused (413) past `max` bytes. For a text field that a client sent as a file part. */
async function streamText(stream: Readable, name: string, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > max) throw new ServiceError('payload_too_large', `field "${name}" is too long`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

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
  if (body === null) throw new ServiceError('invalid_argument', 'multipart body is empty');
  const maxField = spec.maxFieldBytes ?? 64 * 1024;
  const maxFileBytes = Object.values(spec.files).reduce((sum, f) => sum + f.maxBytes, 0);
  const maxBody = maxFileBytes + spec.fields.length * maxField + MAX_OVERHEAD_BYTES;
  const result: MultipartResult = { fields: {}, files: {} };
  const seen = new Set<string>();
  const sinks: FileSink[] = [];
  const consumers: Promise<void>[] = [];
  // The first error of any part ends the parse: `failed` rejects, so a write that busboy holds back
  // (a file consumer that stopped reading) never leaves the request hanging.
  let failure: { error: unknown } | undefined;
  let reject: (err: unknown) => void = () => {};
  const failed = new Promise<never>((_, r) => {
    reject = r;
  });
  failed.catch(() => {});
  const fail = (error: unknown) => {
    failure ??= { error };
    reject(failure.error);
  };

  /** The part's name once checked: allowed, not seen before, not one too many. */
  const claim = (name: string | undefined, allowed: boolean): string => {
    if (!name)
      throw new ServiceError('invalid_argument', 'multipart part without a Content-Disposition name');
    if (seen.has(name)) throw new ServiceError('invalid_argument', `multipart field "${name}" appears twice`);
    if (seen.size >= MAX_PARTS) throw new ServiceError('invalid_argument', 'too many multipart fields');
    if (!allowed) {
      const names = [...spec.fields, ...Object.keys(spec.files)].join(', ');
      throw new ServiceError('invalid_argument', `unexpected multipart field "${name}" (allowed: ${names})`);
    }
    seen.add(name);
    return name;
  };

  const parser = busboy({
    headers: { 'content-type': `multipart/form-data; boundary="${boundary}"` },
    limits: { fieldSize: maxField + 1 },
  });
  parser.on('error', (err) => fail(parseError(err)));
  parser.on('field', (name: string | undefined, value: string, info: busboy.FieldInfo) => {
    try {
      if (name !== undefined && Object.hasOwn(spec.files, name))
        throw new ServiceError('invalid_argument', `multipart field "${name}" must be sent as a file`);
      const field = claim(name, name !== undefined && spec.fields.includes(name));
      if (info.valueTruncated) throw new ServiceError('payload_too_large', `field "${field}" is too long`);
      result.fields[field] = value;
    } catch (err) {
      fail(err);
    }
  });
  parser.on('file', (name: string | undefined, stream: Readable, info: busboy.FileInfo) => {
    stream.on('error', () => {}); // reported through the parser or the consumer below
    const fileOptions = name !== undefined && Object.hasOwn(spec.files, name) ? spec.files[name] : undefined;
    // A text field sent with Content-Type application/octet-stream but no filename is still a text field.
    const textField = !fileOptions && info.filename === undefined && spec.fields.includes(name ?? '');
    const consume = async () => {
      const field = claim(name, fileOptions !== undefined || textField);
      if (!fileOptions) {
        result.fields[field] = await streamText(stream, field, maxField);
        return;
      }
      const sink = await FileSink.create(fileOptions);
      sinks.push(sink);
      for await (const chunk of stream as AsyncIterable<Buffer>) await sink.write(chunk);
      result.files[field] = await sink.finish();
    };
    consumers.push(
      consume().catch((err: unknown) => {
        fail(err);
        stream.resume();
      }),
    );
  });

  let received = 0;
  const write = (chunk: Uint8Array) =>
    new Promise<void>((resolve, rejectWrite) =>
      parser.write(chunk, (err) => (err ? rejectWrite(parseError(err)) : resolve())),
    );
  try {
    await readChunks(body, 'multipart', async (chunk) => {
      received += chunk.byteLength;
      if (received > maxBody)
        throw new ServiceError('payload_too_large', `multipart body is larger than ${maxBody} bytes`);
      await Promise.race([write(chunk), failed]);
    });
    const ended = new Promise<void>((resolve) =>
      parser.end((err?: Error | null) => (err ? fail(parseError(err)) : resolve())),
    );
    await Promise.race([ended, failed]);
    await Promise.all(consumers);
    if (failure) throw failure.error;
    return result;
  } catch (err) {
    fail(err);
    parser.destroy();
    await Promise.all(consumers);
    await Promise.all(sinks.map((s) => s.abort()));
    throw failure?.error ?? err;
  }
}

// Reading a prediction file (output.csv) from a request: a raw text/csv body or a multipart file part, size-bounded as it streams.
import { readFile, rm } from 'node:fs/promises';
import { ServiceError } from '../services/errors.js';
import { multipartBoundary, readMultipart } from './multipart.js';
import { declaredLength, readChunks } from './upload.js';

/** The multipart file field that carries the prediction file. */
export const PREDICTIONS_FIELD = 'output';

/** Media types a prediction-file submission may come as. */
export const PREDICTION_MEDIA_TYPES = ['text/csv', 'multipart/form-data'] as const;

/** Where the bytes come from and how many are allowed. */
export type PredictionUpload = {
  body: ReadableStream<Uint8Array> | null;
  contentType: string | undefined;
  contentLength: string | undefined;
  /** 413 beyond this many bytes (`predictionBytesLimit` of the test items). */
  maxBytes: number;
  /** Folder for the temp file of a multipart part. */
  workDir: string;
};

const LABEL = 'output.csv';

/** UTF-8 text of the file; bytes that are not UTF-8 refuse it (422). */
function utf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (err) {
    throw new ServiceError('invalid_predictions', 'output.csv was refused: it is not UTF-8 text', {
      cause: err,
    });
  }
}

/** A raw body, read into memory up to `maxBytes` (413 past it, before a byte when Content-Length says so). */
async function rawText(upload: PredictionUpload): Promise<string> {
  const options = { dir: upload.workDir, maxBytes: upload.maxBytes, label: LABEL };
  declaredLength(upload.contentLength, options);
  if (upload.body === null) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  await readChunks(upload.body, LABEL, async (chunk) => {
    total += chunk.byteLength;
    if (total > upload.maxBytes) {
      throw new ServiceError(
        'payload_too_large',
        `${LABEL} is larger than the limit of ${upload.maxBytes} bytes`,
      );
    }
    chunks.push(chunk);
  });
  return utf8(Buffer.concat(chunks));
}

/** The file part `output` of a multipart body, streamed to a temp file (413 past `maxBytes`), then read. */
async function multipartText(upload: PredictionUpload, boundary: string): Promise<string> {
  const { files } = await readMultipart(upload.body, boundary, {
    fields: [],
    files: { [PREDICTIONS_FIELD]: { dir: upload.workDir, maxBytes: upload.maxBytes, label: LABEL } },
  });
  const part = files[PREDICTIONS_FIELD];
  if (!part) {
    throw new ServiceError(
      'invalid_argument',
      `multipart field "${PREDICTIONS_FIELD}" (the output.csv file) is missing`,
    );
  }
  try {
    return utf8(await readFile(part.path));
  } finally {
    await rm(part.path, { force: true });
  }
}

/**
 * The text of a prediction file sent as the raw body (`text/csv`) or as the file field `output` of a
 * `multipart/form-data` body. Never reads more than `maxBytes` of the file (413 `payload_too_large`); the
 * caller has checked the media type. An empty body is returned as '' (the check refuses it with 422).
 *
 * @example
 * const text = await readPredictionUpload({ body: c.req.raw.body, contentType, contentLength, maxBytes, workDir });
 */
export async function readPredictionUpload(upload: PredictionUpload): Promise<string> {
  const boundary = multipartBoundary(upload.contentType);
  return boundary === null ? rawText(upload) : multipartText(upload, boundary);
}

// One file sent by the tus resumable-upload protocol (tus-js-client): resumes from the server's offset, and across runs from a stored upload URL.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DetailedError, type PreviousUpload, Upload, type UrlStorage } from 'tus-js-client';
import { ClientError } from './errors.js';

/**
 * tus-js-client's URL storage in one JSON file (upload URLs by fingerprint), so that a re-run of
 * `sketchboard submit` resumes an interrupted upload instead of starting over. Writes are atomic.
 *
 * @example
 * const storage = new JsonUrlStorage(join(homedir(), '.sketchboard', 'uploads.json'));
 */
export class JsonUrlStorage implements UrlStorage {
  constructor(readonly path: string) {}

  async #read(): Promise<Record<string, PreviousUpload>> {
    const text = await readFile(this.path, 'utf8').catch(() => '{}');
    try {
      return JSON.parse(text) as Record<string, PreviousUpload>;
    } catch {
      return {};
    }
  }

  async #write(data: Record<string, PreviousUpload>): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(data), { mode: 0o600 });
    await rename(tmp, this.path);
  }

  async findAllUploads(): Promise<PreviousUpload[]> {
    return Object.values(await this.#read());
  }

  async findUploadsByFingerprint(fingerprint: string): Promise<PreviousUpload[]> {
    const data = await this.#read();
    return Object.entries(data)
      .filter(([key]) => key.startsWith(`tus::${fingerprint}::`))
      .map(([key, value]) => ({ ...value, urlStorageKey: key }));
  }

  async removeUpload(urlStorageKey: string): Promise<void> {
    const data = await this.#read();
    delete data[urlStorageKey];
    await this.#write(data);
  }

  async addUpload(fingerprint: string, upload: PreviousUpload): Promise<string> {
    const data = await this.#read();
    const key = `tus::${fingerprint}::${randomBytes(6).toString('hex')}`;
    data[key] = upload;
    await this.#write(data);
    return key;
  }
}

export type TusFileOptions = {
  /** Absolute tus creation URL. */
  endpoint: string;
  token: string | undefined;
  /** Upload metadata (`plan`, `sha256`). */
  metadata: Record<string, string>;
  /** Where upload URLs are kept between runs; none: resume only within this run. */
  storage?: UrlStorage;
  /** Bytes per PATCH request (default: the whole rest of the file in one streamed request). */
  chunkSize?: number;
  /** Delays between retries after a dropped connection (each retry asks the offset with HEAD). */
  retryDelays?: number[];
  /** Bytes the server has accepted so far of this file, and its size. */
  onProgress?(accepted: number, total: number): void;
  /** Called once the upload exists on the server (its URL is known), with the tus Upload (tests abort it). */
  onStarted?(upload: Upload): void;
};

/** A tus failure as the client's one error type: the server's error body when it sent one. */
function clientError(err: Error, what: string): ClientError {
  const res = err instanceof DetailedError ? err.originalResponse : null;
  if (!res)
    return new ClientError({ status: null, apiCode: 'unreachable', message: `${what}: ${err.message}` });
  const text = res.getBody() ?? '';
  let parsed: { error?: { code?: string; message?: string; requestId?: string } } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {}
  const status = res.getStatus();
  const message = parsed.error?.message ?? (text.trim() || `HTTP ${status}`);
  return new ClientError(
    {
      status,
      apiCode: parsed.error?.code ?? 'http_error',
      message: `${what}: ${message} (HTTP ${status})`,
      requestId: parsed.error?.requestId,
    },
    { cause: err },
  );
}

/** Fingerprint of an upload for the URL storage: server, team token (hashed) and content. */
function fingerprintOf(options: TusFileOptions): string {
  const team = createHash('sha256')
    .update(options.token ?? '')
    .digest('hex')
    .slice(0, 16);
  return `sketchboard:${options.endpoint}:${team}:${options.metadata.sha256 ?? ''}`;
}

/**
 * Upload one file by tus: a stored upload URL of the same content is resumed from the server's offset
 * (HEAD), otherwise a new upload is created; dropped connections are retried from the server's offset.
 * Resolves with the bytes sent in this run (less than the file when it resumed).
 *
 * @example
 * const { sentBytes } = await tusUploadFile('/runs/fold0.onnx', { endpoint, token, metadata: { plan, sha256 } });
 */
export async function tusUploadFile(path: string, options: TusFileOptions): Promise<{ sentBytes: number }> {
  const fingerprint = fingerprintOf(options);
  let sentBytes = 0;
  return new Promise((resolve, reject) => {
    const upload = new Upload(createReadStream(path), {
      endpoint: options.endpoint,
      metadata: options.metadata,
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
      chunkSize: options.chunkSize ?? Number.POSITIVE_INFINITY,
      retryDelays: options.retryDelays ?? [0, 1000, 3000, 5000, 10_000],
      fingerprint: async () => fingerprint,
      storeFingerprintForResuming: options.storage !== undefined,
      removeFingerprintOnSuccess: true,
      ...(options.storage ? { urlStorage: options.storage } : {}),
      onUploadUrlAvailable: () => options.onStarted?.(upload),
      onProgress: (sent, total) => options.onProgress?.(sent, total),
      // Bytes of this run: what each PATCH moved the server's offset by (a resumed upload counts only the rest).
      onAfterResponse: (req, res) => {
        const from = Number(req.getHeader('Upload-Offset'));
        const to = Number(res.getHeader('Upload-Offset'));
        if (req.getMethod() === 'PATCH' && Number.isFinite(from) && Number.isFinite(to))
          sentBytes += to - from;
      },
      onSuccess: () => resolve({ sentBytes }),
      onError: (err) => reject(clientError(err, `upload of ${path}`)),
    });
    upload
      .findPreviousUploads()
      .then((previous) => {
        if (previous[0]) upload.resumeFromPreviousUpload(previous[0]);
        upload.start();
      })
      .catch((err: Error) => reject(clientError(err, `upload of ${path}`)));
  });
}

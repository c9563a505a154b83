// Resumable file uploads (tus 1.0, @tus/server): each file a plan lacks, checked against the plan, verified, moved into the content-addressed store.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Server, type ServerOptions, type Upload } from '@tus/server';
import { digestFile } from '../../core/bundle/digest.js';
import { ServiceError } from '../services/errors.js';
import { type BlobStore, fileKey, moveIntoStore } from '../storage/blob.js';
import { requireFreeSpace } from './disk.js';
import { loadPlan } from './plan.js';
import { SparseFileStore } from './sparse-store.js';

/** Who sent a tus request: set by the HTTP route after its auth checks, read by the upload hooks. */
export type TusCaller = { teamId: string; requestId: string };

/** A tus error answer (status and body), built by the HTTP layer from a typed error. */
export type TusErrorBody = { status_code: number; body: string };

export type TusUploadsOptions = {
  blobs: BlobStore;
  /** Folder of uploads in flight (on the data filesystem, so that a finished file is moved, not copied). */
  dir: string;
  maxFileBytes: number;
  freeBytes: (dir: string) => Promise<number>;
  /** Turns a typed error (ServiceError, HttpError...) into the API's one error body; undefined for tus's own. */
  toErrorBody(err: unknown, caller: TusCaller | undefined): TusErrorBody | undefined;
  /** Unfinished uploads older than this are removed by `cleanUp` (default 7 days). */
  expireMs?: number;
};

/** The tus endpoint of bundle files: `handle` serves one authenticated request; `ownerOf` names an upload's team. */
export type TusUploads = {
  handle(request: Request, caller: TusCaller): Promise<Response>;
  /** The team that created an upload, or null when there is no such upload. */
  ownerOf(uploadId: string): Promise<string | null>;
  /** Remove expired unfinished uploads; returns how many. */
  cleanUp(): Promise<number>;
};

const UPLOAD_ID = /^[0-9a-f]{32}$/;

/**
 * The tus server of bundle files. A creation (POST) must carry the metadata `plan` (one of the caller's plans)
 * and `sha256` (a file of that plan) with its exact `Upload-Length`; the free disk is checked (507). When the
 * last byte arrives the file's size and sha256 are verified (422 and the upload deleted when they differ)
 * and it is moved under `fileKey(sha256)`. Offsets survive restarts (the file store keeps them on disk).
 *
 * @example
 * const tus = createTusUploads({ blobs, dir: join(workDir, 'tus'), maxFileBytes, freeBytes: freeBytesOf, toErrorBody });
 * app.all('/api/competitions/:slug/bundles/uploads/:id?', (c) => tus.handle(c.req.raw, { teamId, requestId }));
 */
export function createTusUploads(options: TusUploadsOptions): TusUploads {
  const callers = new WeakMap<Request, TusCaller>();
  const store = new SparseFileStore({
    directory: options.dir,
    expirationPeriodInMilliseconds: options.expireMs ?? 7 * 86_400_000,
  });
  const callerOf = (req: Request): TusCaller => {
    const caller = callers.get(req);
    if (!caller) throw new Error('tus request without a caller');
    return caller;
  };

  const onUploadCreate: ServerOptions['onUploadCreate'] = async (req, upload) => {
    const caller = callerOf(req as unknown as Request);
    const planId = upload.metadata?.plan ?? '';
    const sha256 = upload.metadata?.sha256 ?? '';
    const plan = await loadPlan(options.blobs, planId, caller.teamId);
    const file = plan.files.find((f) => f.sha256 === sha256);
    if (!file) throw new ServiceError('invalid_argument', `plan ${planId} has no file with sha256 ${sha256}`);
    if (upload.size !== file.bytes) {
      throw new ServiceError(
        'invalid_argument',
        `Upload-Length ${upload.size ?? 'deferred'} is not the planned size of ${file.path} (${file.bytes} bytes)`,
      );
    }
    await requireFreeSpace(options.freeBytes, options.dir, file.bytes);
    return { metadata: { plan: planId, sha256, team: caller.teamId } };
  };

  const onUploadFinish: ServerOptions['onUploadFinish'] = async (_req, upload: Upload) => {
    const path = join(options.dir, upload.id);
    const want = { sha256: upload.metadata?.sha256 ?? '', bytes: upload.size ?? -1 };
    const got = await digestFile(path);
    if (got.sha256 !== want.sha256 || got.bytes !== want.bytes) {
      await store.remove(upload.id).catch(() => rm(path, { force: true }));
      throw new ServiceError(
        'invalid_bundle',
        `the upload has ${got.bytes} bytes with sha256 ${got.sha256}; the plan announced ${want.bytes} bytes ` +
          `with sha256 ${want.sha256}. It was deleted: digest the file again and upload it anew`,
      );
    }
    const key = fileKey(want.sha256);
    if (await options.blobs.exists(key)) await rm(path, { force: true });
    else await moveIntoStore(options.blobs, key, path);
    return {};
  };

  const server = new Server({
    path: '/api/uploads',
    datastore: store,
    maxSize: options.maxFileBytes,
    // The upload URL is the creation URL plus the id, relative (the client resolves it against its endpoint).
    generateUrl: (req, { id }) => `${new URL(req.url).pathname.replace(/\/+$/, '')}/${id}`,
    getFileIdFromRequest: (_req, last) => (last && UPLOAD_ID.test(last) ? last : undefined),
    onUploadCreate,
    onUploadFinish,
    onResponseError: (req, err) => options.toErrorBody(err, callers.get(req as unknown as Request)),
  });

  return {
    async handle(request, caller) {
      callers.set(request, caller);
      const response = await server.handleWeb(request);
      if (response.status < 400) return response;
      // Typed errors carry the API's JSON error body (toErrorBody); say so, as every other route does.
      const text = await response.text();
      const headers = new Headers(response.headers);
      if (text.startsWith('{"error":')) headers.set('content-type', 'application/json');
      return new Response(text, { status: response.status, headers });
    },
    async ownerOf(uploadId) {
      if (!UPLOAD_ID.test(uploadId)) return null;
      const record = await store.configstore.get(uploadId);
      return record?.metadata?.team ?? null;
    },
    cleanUp: () => server.cleanUpExpiredUploads(),
  };
}

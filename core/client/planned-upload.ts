// Submit a bundle file by file: plan (what the server lacks), tus uploads of only those files, commit.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { UploadedBundle, UploadPlan } from '../api/index.js';
import type { SketchboardClient } from './client.js';
import { digestLocalBundle } from './local-bundle.js';
import { JsonUrlStorage, tusUploadFile } from './tus-upload.js';

/** Default file of stored upload URLs (resuming across runs): `~/.sketchboard/uploads.json`. */
export function defaultUploadState(): string {
  return join(homedir(), '.sketchboard', 'uploads.json');
}

export type PlannedUploadOptions = {
  /** File of stored upload URLs; default {@link defaultUploadState}; `false`: resume within this run only. */
  stateFile?: string | false;
  /** Bytes per tus PATCH request (default: the rest of the file in one streamed request). */
  chunkSize?: number;
  /** Where a zip is extracted to be digested (default os.tmpdir()). */
  workDir?: string;
  /** Called with the plan before any file is sent. */
  onPlan?(plan: UploadPlan['plan']): void;
  /** Bytes of the missing files the server holds so far, and their total. */
  onProgress?(sent: number, total: number): void;
};

/** The bundle (as the zip upload answers) plus what travelled: file bytes sent by tus and every request body. */
export type PlannedUpload = UploadedBundle & {
  plan: UploadPlan['plan'];
  /** File bytes sent in this run (0 when the server had every file). */
  sentBytes: number;
  /** Request body bytes of this run: the plan request plus `sentBytes` (the commit has no body). */
  requestBytes: number;
};

/**
 * Send a bundle zip or folder by the plan path: digest its files locally, ask the server which it lacks,
 * upload only those by tus (each resumable: from the server's offset after a dropped connection, and from a
 * stored upload URL on a re-run), then commit. A re-vote of models the server has sends about a kilobyte.
 *
 * @example
 * const { bundle, sentBytes } = await uploadPlannedBundle(client, 'sketch-demo', './runs/eva02-5fold');
 */
export async function uploadPlannedBundle(
  client: SketchboardClient,
  slug: string,
  path: string,
  options: PlannedUploadOptions = {},
): Promise<PlannedUpload> {
  const local = await digestLocalBundle(path, options.workDir);
  try {
    const request = { manifest: local.manifestText, files: local.files.map(({ abs: _abs, ...f }) => f) };
    const requestBody = Buffer.byteLength(JSON.stringify(request));
    const { plan, bundle } = await client.planBundle(slug, request);
    options.onPlan?.(plan);
    if (bundle && plan.missing.length === 0) {
      return { bundle, created: false, plan, sentBytes: 0, requestBytes: requestBody };
    }
    const stateFile = options.stateFile ?? defaultUploadState();
    const storage = stateFile === false ? undefined : new JsonUrlStorage(stateFile);
    const total = plan.missingBytes;
    let done = 0;
    let sentBytes = 0;
    options.onProgress?.(0, total);
    for (const missing of plan.missing) {
      const file = local.files.find((f) => f.sha256 === missing.sha256);
      if (!file) throw new Error(`the server asked for ${missing.sha256}, which this bundle does not have`);
      const result = await tusUploadFile(file.abs, {
        endpoint: `${client.server}${plan.uploadUrl}`,
        token: client.token,
        metadata: { plan: plan.id, sha256: missing.sha256 },
        storage,
        chunkSize: options.chunkSize,
        onProgress: (sent) => options.onProgress?.(done + sent, total),
      });
      done += missing.bytes;
      sentBytes += result.sentBytes;
    }
    const committed = await client.commitBundle(slug, plan.id);
    return { ...committed, plan, sentBytes, requestBytes: requestBody + sentBytes };
  } finally {
    await local.dispose();
  }
}

// Bundles on the wire: the upload's media types and the stored bundle.
import { z } from 'zod';
import { isoDate } from './common.js';

/** Media types accepted for a raw bundle body. */
export const ZIP_TYPES = ['application/zip', 'application/x-zip-compressed'] as const;

/** The multipart form of an upload: the zip in the file field `bundle` (documentation only; streamed). */
export const bundleMultipart = z.strictObject({
  bundle: z.string().describe('the zip (binary file part)'),
});

/** A bundle as the API shows it. */
export const bundleJson = z.object({
  id: z.uuid(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  sizeBytes: z.number().int(),
  name: z.string().describe("the manifest's name"),
  manifest: z.record(z.string(), z.unknown()).describe('the validated manifest.json'),
  createdAt: isoDate,
});
export type ApiBundle = z.infer<typeof bundleJson>;

/** An upload's answer; `created` is false when the team had uploaded the same bytes before. */
export const bundleResponse = z.object({
  bundle: bundleJson,
  created: z.boolean().describe('false when this team had already uploaded the same bytes'),
});
export type UploadedBundle = z.infer<typeof bundleResponse>;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'sha256: 64 lower-case hex');

/** One file of a planned bundle: bundle-relative path (forward slashes), size in bytes, sha256. */
export const plannedFile = z.strictObject({
  path: z.string().min(1).max(1024),
  bytes: z.number().int().min(0),
  sha256: sha256Hex,
});

/** Largest plan request body, bytes: a manifest and a few thousand file lines. */
export const PLAN_BODY_MAX_BYTES = 4 * 1024 * 1024;

/**
 * `POST /api/competitions/:slug/bundles/plan`: the manifest.json text and every other file of the bundle
 * (path, bytes, sha256). The server answers which file contents it lacks.
 */
export const planRequest = z.strictObject({
  manifest: z.string().min(1).describe('the text of manifest.json, exactly as in the bundle'),
  files: z.array(plannedFile).max(2_000).describe('every file of the bundle except manifest.json'),
});
export type PlanRequest = z.infer<typeof planRequest>;

/** A file content the server lacks: upload it once by tus (every path with this sha256 shares it). */
export const missingFile = z.object({
  sha256: sha256Hex,
  bytes: z.number().int(),
  paths: z.array(z.string()).describe('the bundle paths with this content'),
});

/** The plan's answer. `bundle` is set (and nothing is missing) when the team already has this bundle. */
export const planResponse = z.object({
  plan: z.object({
    id: z.uuid().describe('send it as the `plan` metadata of each upload and in the commit path'),
    sha256: sha256Hex.describe(
      'the bundle identity: sha256 of the canonical JSON of the manifest sha256 and the sorted file list',
    ),
    totalBytes: z.number().int().describe('every file of the bundle, manifest included'),
    missingBytes: z.number().int().describe('bytes the client must upload'),
    missing: z.array(missingFile),
    uploadUrl: z.string().describe('the tus creation endpoint (POST) for the missing files'),
    commitUrl: z.string(),
  }),
  bundle: bundleJson.nullable(),
});
export type UploadPlan = z.infer<typeof planResponse>;

// `POST /api/competitions/:slug/bundles`: stream a model bundle to disk, validate it, store it by sha256.
import { rm } from 'node:fs/promises';
import type { Hono } from 'hono';
import { z } from 'zod';
import { DEFAULT_VALIDATION_CONCURRENCY, limitedBundleCheck } from '../../intake/bundle-check.js';
import { multipartBoundary, readMultipart } from '../../intake/multipart.js';
import { type StoredUpload, streamBodyToFile, type UploadOptions } from '../../intake/upload.js';
import { findBundleBySha, getCompetition, recordBundle } from '../../services/index.js';
import { bundleKey } from '../../storage/blob.js';
import { mediaType, requireMediaType, validate } from '../body.js';
import type { AppContext, AppEnv, RouteDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { requireTeam } from '../middleware/auth.js';
import { shape } from '../respond.js';
import type { RouteDoc } from './openapi.js';
import { slugParams } from './teams.js';

/** Media types accepted for a raw bundle body. */
export const ZIP_TYPES = ['application/zip', 'application/x-zip-compressed'] as const;

/** A bundle as the API shows it. */
export const bundleJson = z.object({
  id: z.uuid(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  sizeBytes: z.number().int(),
  name: z.string().describe("the manifest's name"),
  manifest: z.record(z.string(), z.unknown()).describe('the validated manifest.json'),
  createdAt: z.iso.datetime({ offset: true }),
});
export const bundleResponse = z.object({
  bundle: bundleJson,
  created: z.boolean().describe('false when this team had already uploaded the same bytes'),
});
export type BundleResponse = z.infer<typeof bundleResponse>;

/** The route docs of this file. */
export const bundleDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/competitions/{slug}/bundles',
    summary: 'Upload a model bundle',
    description:
      'The zip as the raw body (`application/zip`, chunked allowed) or as the file field `bundle` of a ' +
      'multipart form. Streamed to disk under the size limit, then opened and validated: manifest, class ' +
      "count equal to the competition's, every model loads and outputs [N, classes]. Stored by sha256; " +
      'the same bytes uploaded again by the same team return the existing bundle (200).',
    tag: 'bundles',
    access: 'team',
    params: slugParams,
    body: {
      'application/zip': 'binary',
      'multipart/form-data': z.strictObject({ bundle: z.string().describe('the zip (binary file part)') }),
    },
    responses: {
      201: { description: 'accepted and stored', schema: bundleResponse },
      200: { description: 'already uploaded by this team', schema: bundleResponse },
    },
    errors: [
      'invalid_argument',
      'unauthenticated',
      'forbidden',
      'not_found',
      'payload_too_large',
      'unsupported_media_type',
      'unsafe_archive',
      'invalid_manifest',
      'invalid_model',
      'invalid_bundle',
    ],
  },
];

/** Stream the request's bundle (raw zip or multipart field `bundle`) to a temp file. */
async function receiveBundle(c: AppContext, options: UploadOptions): Promise<StoredUpload> {
  const contentType = c.req.header('content-type');
  if (mediaType(contentType) !== 'multipart/form-data') {
    requireMediaType(contentType, [...ZIP_TYPES, 'multipart/form-data']);
    return streamBodyToFile(c.req.raw.body, c.req.header('content-length'), options);
  }
  const { files } = await readMultipart(c.req.raw.body, multipartBoundary(contentType)!, {
    fields: [],
    files: { bundle: options },
  });
  if (!files.bundle) throw new HttpError('invalid_argument', 'multipart field "bundle" is missing');
  return files.bundle;
}

/** Register the bundle routes. */
export function registerBundles(app: Hono<AppEnv>, deps: RouteDeps): void {
  const check = limitedBundleCheck(
    deps.validateBundle,
    deps.config.validationConcurrency ?? DEFAULT_VALIDATION_CONCURRENCY,
  );
  app.post('/api/competitions/:slug/bundles', async (c) => {
    requireTeam(c);
    const { slug } = validate(slugParams, c.req.param(), 'path');
    const competition = await getCompetition(deps.services, slug);
    const team = requireTeam(c, competition.id);
    const { workDir, maxBundleBytes } = deps.config;
    const upload = await receiveBundle(c, { dir: workDir, maxBytes: maxBundleBytes, label: 'bundle' });
    try {
      const existing = await findBundleBySha(deps.services, team.id, upload.sha256);
      if (existing) return c.json(shape(bundleResponse, { bundle: existing, created: false }), 200);
      const manifest = await check(upload.path, {
        classes: competition.classes,
        workDir,
        maxBytes: maxBundleBytes,
      });
      const blobKey = bundleKey(upload.sha256);
      if (!(await deps.blobs.exists(blobKey))) await deps.blobs.putFile(blobKey, upload.path);
      const recorded = await recordBundle(deps.services, {
        teamId: team.id,
        sha256: upload.sha256,
        sizeBytes: upload.bytes,
        manifest,
        blobKey,
      });
      return c.json(shape(bundleResponse, recorded), recorded.created ? 201 : 200);
    } finally {
      await rm(upload.path, { force: true });
    }
  });
}

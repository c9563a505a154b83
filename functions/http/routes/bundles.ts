// `POST /api/competitions/:slug/bundles`: stream a model bundle to disk, validate it, store it by sha256.
import { rm } from 'node:fs/promises';
import { bundleMultipart, bundleResponse, ZIP_TYPES } from '../../../core/api/bundles.js';
import { slugParams } from '../../../core/api/common.js';
import { DEFAULT_VALIDATION_CONCURRENCY, limitedBundleCheck } from '../../intake/bundle-check.js';
import { multipartBoundary, readMultipart } from '../../intake/multipart.js';
import { type StoredUpload, streamBodyToFile, type UploadOptions } from '../../intake/upload.js';
import { findBundleBySha, getCompetition, recordBundle } from '../../services/index.js';
import { bundleKey } from '../../storage/blob.js';
import { storeBundleFiles } from '../../storage/bundle-files.js';
import { mediaType, requireMediaType } from '../body.js';
import type { AppContext, RouteDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { requireTeam } from '../middleware/auth.js';
import { shape } from '../respond.js';
import { type ApiApp, apiRoute, documented, errorResponses } from './openapi.js';

const binary = { schema: { type: 'string' as const, format: 'binary' } };
const bundleJsonContent = { 'application/json': { schema: bundleResponse } };

export const uploadBundleRoute = apiRoute('team', {
  method: 'post',
  path: '/api/competitions/{slug}/bundles',
  summary: 'Upload a model bundle',
  description:
    'The zip as the raw body (`application/zip`, chunked allowed) or as the file field `bundle` of a ' +
    'multipart form. Streamed to disk under the size limit, then opened and validated: manifest, class ' +
    "count equal to the competition's, every model loads and outputs [N, classes]. Stored by sha256; " +
    'the same bytes uploaded again by the same team return the existing bundle (200). Each file is also ' +
    'stored by its sha256, so a later `bundles/plan` of the same models uploads nothing again.',
  tags: ['bundles'],
  request: {
    params: slugParams,
    body: {
      required: true,
      content: {
        'application/zip': binary,
        'application/x-zip-compressed': binary,
        'multipart/form-data': { schema: bundleMultipart },
      },
    },
  },
  responses: {
    201: { description: 'accepted and stored', content: bundleJsonContent },
    200: { description: 'already uploaded by this team', content: bundleJsonContent },
    ...errorResponses(
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
    ),
  },
});

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
export function registerBundles(app: ApiApp, deps: RouteDeps): void {
  const check = limitedBundleCheck(
    deps.validateBundle,
    deps.config.validationConcurrency ?? DEFAULT_VALIDATION_CONCURRENCY,
  );
  app.openapi(documented(app, uploadBundleRoute), async (c) => {
    const { slug } = c.req.valid('param');
    const competition = await getCompetition(deps.services, slug);
    const team = requireTeam(c, competition.id);
    const { workDir, maxBundleBytes } = deps.config;
    const upload = await receiveBundle(c, { dir: workDir, maxBytes: maxBundleBytes, label: 'bundle' });
    try {
      const existing = await findBundleBySha(deps.services, team.id, upload.sha256);
      if (existing) return c.json(shape(bundleResponse, { bundle: existing, created: false }), 200);
      const { manifest, files } = await check(upload.path, {
        classes: competition.classes,
        workDir,
        maxBytes: maxBundleBytes,
        // Each checked file also goes under its sha256, so a later plan finds it (content-addressed).
        onChecked: (dir, digests) => storeBundleFiles(deps.blobs, dir, digests).then(() => undefined),
      });
      const blobKey = bundleKey(upload.sha256);
      if (!(await deps.blobs.exists(blobKey))) await deps.blobs.putFile(blobKey, upload.path);
      const recorded = await recordBundle(deps.services, {
        teamId: team.id,
        sha256: upload.sha256,
        sizeBytes: upload.bytes,
        manifest,
        files,
        blobKey,
      });
      const body = shape(bundleResponse, recorded);
      return recorded.created ? c.json(body, 201) : c.json(body, 200);
    } finally {
      await rm(upload.path, { force: true });
    }
  });
}

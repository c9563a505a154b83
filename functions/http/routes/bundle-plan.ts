// Bundles sent file by file: `POST …/bundles/plan` (what the server lacks), tus uploads of those files, `POST …/bundles/plan/:id/commit`.
import { dirname, join } from 'node:path';
import { z } from '@hono/zod-openapi';
import pLimit from 'p-limit';
import { bundleResponse, PLAN_BODY_MAX_BYTES, planRequest, planResponse } from '../../../core/api/bundles.js';
import { slugParams } from '../../../core/api/common.js';
import { MAX_FILE_BYTES } from '../../../core/bundle/limits.js';
import { parseManifest } from '../../../core/bundle/manifest.js';
import { DEFAULT_VALIDATION_CONCURRENCY, validateBundleFolder } from '../../intake/bundle-check.js';
import { freeBytesOf } from '../../intake/disk.js';
import { assemblePlan, createPlan, loadPlan } from '../../intake/plan.js';
import { createTusUploads } from '../../intake/tus.js';
import { findBundleBySha, getCompetition, recordBundle } from '../../services/index.js';
import { parseJsonText, readText, requireMediaType, validate } from '../body.js';
import type { AppContext, RouteDeps } from '../context.js';
import { HttpError, requestIdOf, tusErrorBody } from '../errors.js';
import { requireTeam } from '../middleware/auth.js';
import { shape } from '../respond.js';
import { type ApiApp, apiRoute, documented, errorResponses, json } from './openapi.js';
import { tusRoutes } from './tus-docs.js';

const planIdParams = slugParams.extend({ planId: z.uuid() });
const BASE = '/api/competitions/{slug}/bundles';

export const planBundleRoute = apiRoute('team', {
  method: 'post',
  path: `${BASE}/plan`,
  summary: 'Plan a bundle upload: which files the server lacks',
  description:
    'Send the text of manifest.json and every other file (path, bytes, sha256). The answer lists the file ' +
    'contents the server does not have yet; upload only those, each by tus to `uploadUrl` (metadata `plan` ' +
    'and `sha256`), then commit. Files are kept by sha256, so models uploaded before (by any upload path) ' +
    'are not sent again. Refused with 413 over the per-file or per-bundle limit and 507 when the missing ' +
    "bytes do not fit on the server's disk. The bundle's identity is the sha256 of the canonical JSON of " +
    'the manifest sha256 and the sorted file list.',
  tags: ['bundles'],
  request: { params: slugParams, body: { required: true, content: json(planRequest) } },
  responses: {
    200: { description: 'the plan', content: json(planResponse) },
    ...errorResponses(
      'invalid_argument',
      'unauthenticated',
      'forbidden',
      'not_found',
      'payload_too_large',
      'unsupported_media_type',
      'invalid_manifest',
      'invalid_bundle',
      'insufficient_storage',
    ),
  },
});

export const commitBundleRoute = apiRoute('team', {
  method: 'post',
  path: `${BASE}/plan/{planId}/commit`,
  summary: 'Commit a planned bundle',
  description:
    "Every file of the plan must be on the server (422 naming those that are not). The bundle's folder is " +
    'assembled from the stored files and validated as a zip upload is (manifest, class count, every model ' +
    'loads and outputs [N, classes]); the answer is the same as the zip upload.',
  tags: ['bundles'],
  request: { params: planIdParams },
  responses: {
    201: { description: 'validated and recorded', content: json(bundleResponse) },
    200: { description: 'this team already has this bundle', content: json(bundleResponse) },
    ...errorResponses(
      'unauthenticated',
      'forbidden',
      'not_found',
      'invalid_manifest',
      'invalid_model',
      'invalid_bundle',
      'model_output',
    ),
  },
});

/** Register plan, commit and the tus endpoint of the plan path. */
export function registerBundlePlans(app: ApiApp, deps: RouteDeps): void {
  const { workDir, maxBundleBytes } = deps.config;
  const freeBytes = deps.config.freeBytes ?? freeBytesOf;
  const uploadDir = deps.config.uploadDir ?? join(dirname(workDir), 'uploads');
  const planDeps = {
    blobs: deps.blobs,
    uploadDir,
    maxFileBytes: deps.config.maxFileBytes ?? MAX_FILE_BYTES,
    maxBundleBytes,
    freeBytes,
  };
  const tus = createTusUploads({
    ...planDeps,
    dir: uploadDir,
    toErrorBody: (err, caller) => tusErrorBody(err, caller?.requestId ?? 'unknown'),
  });
  const limit = pLimit(deps.config.validationConcurrency ?? DEFAULT_VALIDATION_CONCURRENCY);

  app.openapi(documented(app, planBundleRoute), async (c) => {
    const { slug } = c.req.valid('param');
    const competition = await getCompetition(deps.services, slug);
    const team = requireTeam(c, competition.id);
    requireMediaType(c.req.header('content-type'), ['application/json']);
    const text = await readText(c.req.raw.body, PLAN_BODY_MAX_BYTES);
    const body = validate(planRequest, parseJsonText(text), 'request body');
    const owner = { teamId: team.id, competitionId: competition.id, classes: competition.classes };
    const { plan, missing, totalBytes } = await createPlan(planDeps, owner, body, parseManifest);
    const existing = await findBundleBySha(deps.services, team.id, plan.sha256);
    const base = `/api/competitions/${encodeURIComponent(slug)}/bundles`;
    const answer = {
      plan: {
        id: plan.id,
        sha256: plan.sha256,
        totalBytes,
        missingBytes: missing.reduce((a, m) => a + m.bytes, 0),
        missing,
        uploadUrl: `${base}/uploads`,
        commitUrl: `${base}/plan/${plan.id}/commit`,
      },
      bundle: existing,
    };
    return c.json(shape(planResponse, answer), 200);
  });

  app.openapi(documented(app, commitBundleRoute), async (c) => {
    const { slug, planId } = c.req.valid('param');
    const competition = await getCompetition(deps.services, slug);
    const team = requireTeam(c, competition.id);
    const plan = await loadPlan(deps.blobs, planId, team.id);
    const existing = await findBundleBySha(deps.services, team.id, plan.sha256);
    if (existing) return c.json(shape(bundleResponse, { bundle: existing, created: false }), 200);
    const assembled = await assemblePlan(deps.blobs, plan, workDir, (dir) =>
      limit(() => validateBundleFolder(dir, { classes: competition.classes })),
    );
    const recorded = await recordBundle(deps.services, {
      teamId: team.id,
      sha256: assembled.sha256,
      sizeBytes: assembled.sizeBytes,
      manifest: assembled.checked,
      files: assembled.files,
      blobKey: assembled.blobKey,
    });
    const body = shape(bundleResponse, recorded);
    return recorded.created ? c.json(body, 201) : c.json(body, 200);
  });

  /** The tus endpoint: team auth and upload ownership here, the protocol in @tus/server. */
  const serveTus = async (c: AppContext, uploadId: string | undefined): Promise<Response> => {
    const competition = await getCompetition(deps.services, c.req.param('slug') ?? '');
    const team = requireTeam(c, competition.id);
    if (uploadId !== undefined && (await tus.ownerOf(uploadId)) !== team.id) {
      throw new HttpError('not_found', `no upload ${uploadId}`);
    }
    return tus.handle(c.req.raw, { teamId: team.id, requestId: requestIdOf(c) });
  };
  const routes = tusRoutes(BASE);
  app.openapi(documented(app, routes.create), (c) => serveTus(c, undefined));
  // Hono answers HEAD with the GET route (body dropped): HEAD is documented, and served through GET.
  const { path: offsetPath } = documented(app, routes.offset);
  app.get(offsetPath.replaceAll(/\{(\w+)\}/g, ':$1'), (c) => {
    if (c.req.raw.method !== 'HEAD') throw new HttpError('not_found', `no route for GET ${c.req.path}`);
    return serveTus(c, c.req.param('uploadId'));
  });
  app.openapi(documented(app, routes.patch), (c) => serveTus(c, c.req.valid('param').uploadId));
  app.openapi(documented(app, routes.remove), (c) => serveTus(c, c.req.valid('param').uploadId));
}

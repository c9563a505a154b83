// Submissions: trigger scoring (202, Idempotency-Key), own list, status, output.csv, final selection.
import { idParams, slugParams } from '../../../core/api/common.js';
import {
  finalBody,
  idempotencyKey,
  submissionListQuery,
  submissionListResponse,
  submissionResponse,
  triggerBody,
  triggerHeaders,
  triggerResponse,
} from '../../../core/api/submissions.js';
import {
  getCompetition,
  getSubmission,
  listSubmissions,
  selectFinal,
  submissionOutputKey,
  triggerSubmission,
} from '../../services/index.js';
import { readJson, validate } from '../body.js';
import type { RouteDeps } from '../context.js';
import { requireSignedIn, requireTeam } from '../middleware/auth.js';
import { outputCsvResponse, shape } from '../respond.js';
import { type ApiApp, apiRoute, documented, errorResponses, json } from './openapi.js';

export const triggerRoute = apiRoute('team', {
  method: 'post',
  path: '/api/competitions/{slug}/submissions',
  summary: 'Trigger batch scoring of a bundle',
  description: 'Daily limit and active-submission cap are checked atomically with the insert and the job.',
  tags: ['submissions'],
  request: {
    params: slugParams,
    headers: triggerHeaders,
    body: { required: true, content: json(triggerBody) },
  },
  responses: {
    202: { description: 'queued (or the earlier submission for this key)', content: json(triggerResponse) },
    ...errorResponses(
      'invalid_argument',
      'unauthenticated',
      'forbidden',
      'not_found',
      'conflict',
      'competition_closed',
      'limit_exceeded',
      'unsupported_media_type',
    ),
  },
});

export const listSubmissionsRoute = apiRoute('team', {
  method: 'get',
  path: '/api/competitions/{slug}/submissions',
  summary: "The team's own submissions, a page at a time",
  description:
    'Newest first. `limit` (default 50, at most 200) and `offset` choose the page; `total` counts them all.',
  tags: ['submissions'],
  request: { params: slugParams, query: submissionListQuery },
  responses: {
    200: { description: 'a page, newest first', content: json(submissionListResponse) },
    ...errorResponses('invalid_argument', 'unauthenticated', 'forbidden', 'not_found'),
  },
});

export const getSubmissionRoute = apiRoute('team-or-host', {
  method: 'get',
  path: '/api/submissions/{id}',
  summary: 'Status, scores and error of a submission',
  description: "Another team's submission is answered 404, as if it did not exist.",
  tags: ['submissions'],
  request: { params: idParams },
  responses: {
    200: { description: 'the submission', content: json(submissionResponse) },
    ...errorResponses('invalid_argument', 'unauthenticated', 'not_found'),
  },
});

export const outputCsvRoute = apiRoute('team-or-host', {
  method: 'get',
  path: '/api/submissions/{id}/output.csv',
  summary: 'Predictions of a scored submission (ID,image_path,target)',
  tags: ['submissions'],
  request: { params: idParams },
  responses: {
    200: { description: 'output.csv', content: { 'text/csv': { schema: { type: 'string' as const } } } },
    ...errorResponses('invalid_argument', 'unauthenticated', 'not_found'),
  },
});

export const selectFinalRoute = apiRoute('team', {
  method: 'put',
  path: '/api/submissions/{id}/final',
  summary: 'Select or unselect a final submission',
  description: "At most the competition's `finals` scored submissions, before the end only.",
  tags: ['submissions'],
  request: { params: idParams, body: { required: true, content: json(finalBody) } },
  responses: {
    200: { description: 'the updated submission', content: json(submissionResponse) },
    ...errorResponses(
      'invalid_argument',
      'unauthenticated',
      'forbidden',
      'not_found',
      'conflict',
      'competition_closed',
    ),
  },
});

/** Register the submission routes. */
export function registerSubmissions(app: ApiApp, deps: RouteDeps): void {
  const { services } = deps;

  app.openapi(documented(app, triggerRoute), async (c) => {
    const { slug } = c.req.valid('param');
    const team = requireTeam(c, (await getCompetition(services, slug)).id);
    const keyHeader = c.req.header('idempotency-key');
    const key = keyHeader === undefined ? undefined : validate(idempotencyKey, keyHeader, 'header');
    const { bundleId } = await readJson(c.req.raw, triggerBody);
    const result = await triggerSubmission(services, { teamId: team.id, bundleId, idempotencyKey: key });
    c.header('Location', `/api/submissions/${result.submission.id}`);
    return c.json(shape(triggerResponse, result), 202);
  });

  app.openapi(documented(app, listSubmissionsRoute), async (c) => {
    const { slug } = c.req.valid('param');
    const team = requireTeam(c, (await getCompetition(services, slug)).id);
    const page = await listSubmissions(services, team.id, c.req.valid('query'));
    return c.json(shape(submissionListResponse, page), 200);
  });

  app.openapi(documented(app, getSubmissionRoute), async (c) => {
    const { id } = c.req.valid('param');
    const submission = await getSubmission(services, id, requireSignedIn(c));
    return c.json(shape(submissionResponse, { submission }), 200);
  });

  app.openapi(documented(app, outputCsvRoute), async (c) => {
    const { id } = c.req.valid('param');
    return outputCsvResponse(deps.blobs, await submissionOutputKey(services, id, requireSignedIn(c)), id);
  });

  app.openapi(documented(app, selectFinalRoute), async (c) => {
    const team = requireTeam(c);
    const { id } = c.req.valid('param');
    const { selected } = await readJson(c.req.raw, finalBody);
    const submission = await selectFinal(services, team.id, id, selected);
    return c.json(shape(submissionResponse, { submission }), 200);
  });
}

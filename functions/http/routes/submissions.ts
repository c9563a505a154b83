// Submissions: trigger scoring of a bundle (202) or submit a prediction file (201, scored), own list, status, output.csv, finals.
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
  PREDICTION_MEDIA_TYPES,
  PREDICTIONS_FIELD,
  readPredictionUpload,
} from '../../intake/prediction-upload.js';
import { scorePredictionFile } from '../../scorer/predictions.js';
import {
  getCompetition,
  getSubmission,
  listSubmissions,
  selectFinal,
  submissionOutputKey,
  triggerSubmission,
} from '../../services/index.js';
import { mediaType, readJson, requireMediaType, validate } from '../body.js';
import type { RouteDeps } from '../context.js';
import { requireSignedIn, requireTeam } from '../middleware/auth.js';
import { outputCsvResponse, shape } from '../respond.js';
import { type ApiApp, apiRoute, documented, errorResponses, json } from './openapi.js';

export const triggerRoute = apiRoute('team', {
  method: 'post',
  path: '/api/competitions/{slug}/submissions',
  summary: 'Trigger batch scoring of a bundle, or submit a prediction file',
  description:
    'JSON `{ bundleId }`: the bundle is queued for the scorer (202); the daily limit and active-submission cap ' +
    'are checked atomically with the insert and the job. A prediction file (`output.csv`: ' +
    '`ID,image_path,target`, every test ID once, targets in [0, classes)) as a `text/csv` body or the ' +
    `multipart file field \`${PREDICTIONS_FIELD}\`, when the competition's \`submissionKinds\` include ` +
    '`predictions` (403 otherwise): checked against test.csv (422 `invalid_predictions` naming the first ' +
    'lines at fault), scored at once under the same daily limit, and answered 201 already `scored`. Its size ' +
    'is bounded by the test set (413 beyond).',
  tags: ['submissions'],
  request: {
    params: slugParams,
    headers: triggerHeaders,
    body: {
      required: true,
      content: {
        ...json(triggerBody),
        'text/csv': { schema: { type: 'string' as const } },
        'multipart/form-data': {
          schema: {
            type: 'object' as const,
            properties: { [PREDICTIONS_FIELD]: { type: 'string' as const, format: 'binary' } },
          },
        },
      },
    },
  },
  responses: {
    202: { description: 'queued (or the earlier submission for this key)', content: json(triggerResponse) },
    201: { description: 'a prediction file, scored', content: json(triggerResponse) },
    200: {
      description: 'the earlier prediction-file submission for this key',
      content: json(triggerResponse),
    },
    ...errorResponses(
      'invalid_argument',
      'unauthenticated',
      'forbidden',
      'not_found',
      'conflict',
      'competition_closed',
      'payload_too_large',
      'unsupported_media_type',
      'invalid_predictions',
      'limit_exceeded',
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
    const competition = await getCompetition(services, slug);
    const team = requireTeam(c, competition.id);
    const keyHeader = c.req.header('idempotency-key');
    const key = keyHeader === undefined ? undefined : validate(idempotencyKey, keyHeader, 'header');
    const type = mediaType(c.req.header('content-type'));
    if (type !== 'application/json') {
      requireMediaType(type, ['application/json', ...PREDICTION_MEDIA_TYPES]);
      const { workDir } = deps.config;
      const result = await scorePredictionFile(
        { services, blobs: deps.blobs, workDir },
        {
          teamId: team.id,
          competition,
          idempotencyKey: key,
          read: (maxBytes) =>
            readPredictionUpload({
              body: c.req.raw.body,
              contentType: c.req.header('content-type'),
              contentLength: c.req.header('content-length'),
              maxBytes,
              workDir,
            }),
        },
      );
      c.header('Location', `/api/submissions/${result.submission.id}`);
      return c.json(shape(triggerResponse, result), result.created ? 201 : 200);
    }
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

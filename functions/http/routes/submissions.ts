// Submissions: trigger scoring (202, Idempotency-Key), own list, status, output.csv, final selection.
import { Readable } from 'node:stream';
import type { Hono } from 'hono';
import { z } from 'zod';
import {
  getCompetition,
  getSubmission,
  listSubmissions,
  selectFinal,
  submissionOutputKey,
  triggerSubmission,
} from '../../services/index.js';
import { readJson, validate } from '../body.js';
import type { AppEnv, RouteDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { principalOf, requireTeam } from '../middleware/auth.js';
import { shape } from '../respond.js';
import type { RouteDoc } from './openapi.js';
import { slugParams } from './teams.js';

export const idParams = z.strictObject({ id: z.uuid() });
export const triggerBody = z.strictObject({ bundleId: z.uuid() });
export const finalBody = z.strictObject({ selected: z.boolean() });
export type TriggerBody = z.infer<typeof triggerBody>;
export type FinalBody = z.infer<typeof finalBody>;

/** `Idempotency-Key`: printable ASCII, 1-255 characters. */
const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'Idempotency-Key: 1-255 printable ASCII characters');

const isoDate = z.iso.datetime({ offset: true });
const score = z
  .object({ accuracy: z.number(), correct: z.number().int(), total: z.number().int() })
  .nullable();

/** A submission as its team (or the host) sees it. `private` stays null for a team until the end. */
export const submissionJson = z.object({
  id: z.uuid(),
  bundleId: z.uuid(),
  status: z.enum(['queued', 'running', 'scored', 'failed']),
  attempt: z.number().int(),
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
  error: z.object({ code: z.string(), message: z.string(), infrastructure: z.boolean() }).nullable(),
  public: score,
  private: score,
  privateHidden: z.boolean().describe('a private score exists but is withheld until the end'),
  memberScores: z
    .array(
      z.object({
        member: z.string(),
        model: z.string(),
        publicAccuracy: z.number(),
        privateAccuracy: z.number().nullable(),
      }),
    )
    .nullable(),
  selectedFinal: z.boolean(),
  imagesPerSecond: z.number().nullable(),
  runtime: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe('backend, execution provider, versions, hashes'),
  hasOutput: z.boolean(),
});
export const submissionResponse = z.object({ submission: submissionJson });
export const triggerResponse = z.object({
  submission: submissionJson,
  created: z.boolean().describe('false when an earlier trigger with the same Idempotency-Key is returned'),
});
export const submissionListResponse = z.object({ submissions: z.array(submissionJson) });

const idempotencyHeader = {
  name: 'Idempotency-Key',
  description: 'a retried trigger with the same key returns the same submission',
};

/** The route docs of this file. */
export const submissionDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/competitions/{slug}/submissions',
    summary: 'Trigger batch scoring of a bundle',
    description: 'Daily limit and active-submission cap are checked atomically with the insert and the job.',
    tag: 'submissions',
    access: 'team',
    params: slugParams,
    headers: [idempotencyHeader],
    body: { 'application/json': triggerBody },
    responses: {
      202: { description: 'queued (or the earlier submission for this key)', schema: triggerResponse },
    },
    errors: [
      'invalid_argument',
      'unauthenticated',
      'forbidden',
      'not_found',
      'conflict',
      'competition_closed',
      'limit_exceeded',
      'unsupported_media_type',
    ],
  },
  {
    method: 'get',
    path: '/api/competitions/{slug}/submissions',
    summary: "The team's own submissions",
    tag: 'submissions',
    access: 'team',
    params: slugParams,
    responses: { 200: { description: 'newest first', schema: submissionListResponse } },
    errors: ['invalid_argument', 'unauthenticated', 'forbidden', 'not_found'],
  },
  {
    method: 'get',
    path: '/api/submissions/{id}',
    summary: 'Status, scores and error of a submission',
    description: "Another team's submission is answered 404, as if it did not exist.",
    tag: 'submissions',
    access: 'team-or-host',
    params: idParams,
    responses: { 200: { description: 'the submission', schema: submissionResponse } },
    errors: ['invalid_argument', 'unauthenticated', 'not_found'],
  },
  {
    method: 'get',
    path: '/api/submissions/{id}/output.csv',
    summary: 'Predictions of a scored submission (ID,image_path,target)',
    tag: 'submissions',
    access: 'team-or-host',
    params: idParams,
    responses: { 200: { description: 'output.csv', mediaType: 'text/csv' } },
    errors: ['invalid_argument', 'unauthenticated', 'not_found'],
  },
  {
    method: 'put',
    path: '/api/submissions/{id}/final',
    summary: 'Select or unselect a final submission',
    description: "At most the competition's `finals` scored submissions, before the end only.",
    tag: 'submissions',
    access: 'team',
    params: idParams,
    body: { 'application/json': finalBody },
    responses: { 200: { description: 'the updated submission', schema: submissionResponse } },
    errors: [
      'invalid_argument',
      'unauthenticated',
      'forbidden',
      'not_found',
      'conflict',
      'competition_closed',
    ],
  },
];

/** Register the submission routes. */
export function registerSubmissions(app: Hono<AppEnv>, deps: RouteDeps): void {
  const { services } = deps;

  app.post('/api/competitions/:slug/submissions', async (c) => {
    requireTeam(c);
    const { slug } = validate(slugParams, c.req.param(), 'path');
    const team = requireTeam(c, (await getCompetition(services, slug)).id);
    const keyHeader = c.req.header('idempotency-key');
    const key = keyHeader === undefined ? undefined : validate(idempotencyKey, keyHeader, 'header');
    const { bundleId } = await readJson(c.req.raw, triggerBody);
    const result = await triggerSubmission(services, { teamId: team.id, bundleId, idempotencyKey: key });
    c.header('Location', `/api/submissions/${result.submission.id}`);
    return c.json(shape(triggerResponse, result), 202);
  });

  app.get('/api/competitions/:slug/submissions', async (c) => {
    requireTeam(c);
    const { slug } = validate(slugParams, c.req.param(), 'path');
    const team = requireTeam(c, (await getCompetition(services, slug)).id);
    const submissions = await listSubmissions(services, team.id);
    return c.json(shape(submissionListResponse, { submissions }));
  });

  /** Host or team; anonymous callers get 401 before the id is looked at. */
  const viewer = (c: Parameters<typeof principalOf>[0]) => {
    const principal = principalOf(c);
    if (principal.kind === 'anonymous')
      throw new HttpError('unauthenticated', 'this route needs a team or host token');
    return principal;
  };

  app.get('/api/submissions/:id', async (c) => {
    const who = viewer(c);
    const { id } = validate(idParams, c.req.param(), 'path');
    const submission = await getSubmission(services, id, who);
    return c.json(shape(submissionResponse, { submission }));
  });

  app.get('/api/submissions/:id/output.csv', async (c) => {
    const who = viewer(c);
    const { id } = validate(idParams, c.req.param(), 'path');
    const key = await submissionOutputKey(services, id, who);
    const stream = await deps.blobs.getStream(key);
    return new Response(Readable.toWeb(stream) as ReadableStream, {
      headers: {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="output-${id}.csv"`,
      },
    });
  });

  app.put('/api/submissions/:id/final', async (c) => {
    const team = requireTeam(c);
    const { id } = validate(idParams, c.req.param(), 'path');
    const { selected } = await readJson(c.req.raw, finalBody);
    const submission = await selectFinal(services, team.id, id, selected);
    return c.json(shape(submissionResponse, { submission }));
  });
}

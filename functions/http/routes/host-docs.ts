// Definitions (request, responses, errors) of the host's management routes; handlers in routes/host.ts.
import { idParams, slugParams } from '../../../core/api/common.js';
import { competitionResponse } from '../../../core/api/competitions.js';
import {
  disqualifiedSubmissionResponse,
  disqualifyBody,
  hostTeamListResponse,
  hostTeamResponse,
  labelsResponse,
  reopenBody,
  teamParams,
  updateCompetitionBody,
} from '../../../core/api/host.js';
import { apiRoute, errorResponses, json } from './openapi.js';

const HOST_ERRORS = ['invalid_argument', 'unauthenticated', 'forbidden', 'not_found'] as const;
const BODY_ERRORS = ['payload_too_large', 'unsupported_media_type'] as const;

const update = apiRoute('host', {
  method: 'patch',
  path: '/api/competitions/{slug}',
  summary: 'Update a competition',
  description:
    'Any of title, description and rules (markdown, rendered sanitized on the Overview and Rules tabs), ' +
    'endsAt, dailyLimit, finals. A change the boards show raises the board version; fewer finals than a ' +
    'team has selected is a 409.',
  tags: ['host'],
  request: { params: slugParams, body: { required: true, content: json(updateCompetitionBody) } },
  responses: {
    200: { description: 'the updated competition', content: json(competitionResponse) },
    ...errorResponses(...HOST_ERRORS, ...BODY_ERRORS, 'conflict'),
  },
});

const reopen = apiRoute('host', {
  method: 'post',
  path: '/api/competitions/{slug}/reopen',
  summary: 'Reopen an ended competition',
  description: 'Until `endsAt`, which must be in the future. 409 unless the competition has ended.',
  tags: ['host'],
  request: { params: slugParams, body: { required: true, content: json(reopenBody) } },
  responses: {
    200: { description: 'the reopened competition', content: json(competitionResponse) },
    ...errorResponses(...HOST_ERRORS, ...BODY_ERRORS, 'conflict'),
  },
});

const teams = apiRoute('host', {
  method: 'get',
  path: '/api/competitions/{slug}/teams',
  summary: 'Every team, with its disqualification',
  tags: ['host'],
  request: { params: slugParams },
  responses: {
    200: { description: 'teams by name', content: json(hostTeamListResponse) },
    ...errorResponses(...HOST_ERRORS),
  },
});

const reasonBody = { required: true, content: json(disqualifyBody) };

const disqualifySubmission = apiRoute('host', {
  method: 'post',
  path: '/api/submissions/{id}/disqualify',
  summary: 'Disqualify a submission',
  description: 'Off both boards (the team’s standings recomputed at once); the reason is shown to the team.',
  tags: ['host'],
  request: { params: idParams, body: reasonBody },
  responses: {
    200: { description: 'the submission', content: json(disqualifiedSubmissionResponse) },
    ...errorResponses(...HOST_ERRORS, ...BODY_ERRORS),
  },
});

const requalifySubmission = apiRoute('host', {
  method: 'post',
  path: '/api/submissions/{id}/requalify',
  summary: 'Undo a submission’s disqualification',
  tags: ['host'],
  request: { params: idParams },
  responses: {
    200: { description: 'the submission', content: json(disqualifiedSubmissionResponse) },
    ...errorResponses(...HOST_ERRORS),
  },
});

const disqualifyTeam = apiRoute('host', {
  method: 'post',
  path: '/api/competitions/{slug}/teams/{id}/disqualify',
  summary: 'Disqualify a team',
  description: 'Every submission of the team off both boards; the reason is shown to the team.',
  tags: ['host'],
  request: { params: teamParams, body: reasonBody },
  responses: {
    200: { description: 'the team', content: json(hostTeamResponse) },
    ...errorResponses(...HOST_ERRORS, ...BODY_ERRORS),
  },
});

const requalifyTeam = apiRoute('host', {
  method: 'post',
  path: '/api/competitions/{slug}/teams/{id}/requalify',
  summary: 'Undo a team’s disqualification',
  tags: ['host'],
  request: { params: teamParams },
  responses: {
    200: { description: 'the team', content: json(hostTeamResponse) },
    ...errorResponses(...HOST_ERRORS),
  },
});

const labels = apiRoute('host', {
  method: 'put',
  path: '/api/competitions/{slug}/labels',
  summary: 'Replace the test labels and rescore',
  description:
    'A corrected `test_labels.csv` (`ID,image_path,target`, the same IDs and image paths as test.csv) as a ' +
    '`text/csv` body or the multipart file field `labels`. Every scored submission is rescored from its ' +
    'stored predictions (no inference, no job), keeping its previous scores; the standings are rebuilt. ' +
    '422 naming the lines at fault; 409 while a submission is being scored.',
  tags: ['host'],
  request: {
    params: slugParams,
    body: {
      required: true,
      content: {
        'text/csv': { schema: { type: 'string' } },
        'multipart/form-data': { schema: { type: 'object', properties: { labels: { type: 'string' } } } },
      },
    },
  },
  responses: {
    200: { description: 'what was rescored, per team old → new best', content: json(labelsResponse) },
    ...errorResponses(...HOST_ERRORS, ...BODY_ERRORS, 'conflict', 'invalid_data'),
  },
});

/** The host's management routes, by name. */
export const hostRoutes = {
  update,
  reopen,
  teams,
  disqualifySubmission,
  requalifySubmission,
  disqualifyTeam,
  requalifyTeam,
  labels,
};

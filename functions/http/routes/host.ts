// The host's management routes (host token): update, reopen, teams, disqualify / requalify, replace the labels.
import { readFile, rm } from 'node:fs/promises';
import { idParams } from '../../../core/api/common.js';
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
import { multipartBoundary, readMultipart } from '../../intake/multipart.js';
import {
  disqualifySubmission,
  disqualifyTeam,
  listTeams,
  reopenCompetition,
  updateCompetition,
} from '../../services/host.js';
import { replaceLabels } from '../../services/labels.js';
import { mediaType, readJson, readText, requireMediaType } from '../body.js';
import type { RouteDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { shape } from '../respond.js';
import { hostRoutes } from './host-docs.js';
import { type ApiApp, documented } from './openapi.js';

/** Largest corrected labels file, bytes (a 10,000-item test set's is about 400 KB). */
export const MAX_LABELS_BYTES = 32 * 1024 * 1024;

/** The labels CSV of a request: a `text/csv` body, or the multipart file field `labels`. */
async function labelsText(request: Request, deps: RouteDeps): Promise<string> {
  const type = mediaType(request.headers.get('content-type') ?? undefined);
  if (type !== 'multipart/form-data') {
    requireMediaType(type, ['text/csv', 'multipart/form-data']);
    return readText(request.body, MAX_LABELS_BYTES);
  }
  const boundary = multipartBoundary(request.headers.get('content-type') ?? undefined)!;
  const { files } = await readMultipart(request.body, boundary, {
    fields: [],
    files: { labels: { dir: deps.config.workDir, maxBytes: MAX_LABELS_BYTES, label: 'labels' } },
  });
  const upload = files.labels;
  if (!upload)
    throw new HttpError('invalid_argument', 'multipart field "labels" (test_labels.csv) is missing');
  try {
    return await readFile(upload.path, 'utf8');
  } finally {
    await rm(upload.path, { force: true });
  }
}

/** Register the host's management routes. */
export function registerHostRoutes(app: ApiApp, deps: RouteDeps): void {
  const { services, boards } = deps;
  const r = hostRoutes;

  app.openapi(documented(app, r.update), async (c) => {
    const { slug } = c.req.valid('param');
    const body = await readJson(c.req.raw, updateCompetitionBody);
    const { competition, boardChanged } = await updateCompetition(services, slug, {
      ...body,
      endsAt: body.endsAt === undefined ? undefined : new Date(body.endsAt),
    });
    if (boardChanged) boards.forget(slug); // the boards show these fields: no reader may see the old ones
    return c.json(shape(competitionResponse, { competition }), 200);
  });

  app.openapi(documented(app, r.reopen), async (c) => {
    const { slug } = c.req.valid('param');
    const { endsAt } = await readJson(c.req.raw, reopenBody);
    const competition = await reopenCompetition(services, slug, new Date(endsAt));
    boards.forget(slug);
    return c.json(shape(competitionResponse, { competition }), 200);
  });

  app.openapi(documented(app, r.teams), async (c) => {
    const { slug } = c.req.valid('param');
    const teams = await listTeams(services, slug);
    return c.json(shape(hostTeamListResponse, { teams }), 200);
  });

  for (const [route, disqualify] of [
    [r.disqualifySubmission, true],
    [r.requalifySubmission, false],
  ] as const) {
    app.openapi(documented(app, route), async (c) => {
      const { id } = idParams.parse(c.req.valid('param'));
      const reason = disqualify ? (await readJson(c.req.raw, disqualifyBody)).reason : null;
      const { submission, slug } = await disqualifySubmission(services, id, reason);
      boards.forget(slug);
      return c.json(shape(disqualifiedSubmissionResponse, { submission }), 200);
    });
  }

  for (const [route, disqualify] of [
    [r.disqualifyTeam, true],
    [r.requalifyTeam, false],
  ] as const) {
    app.openapi(documented(app, route), async (c) => {
      const { slug, id } = teamParams.parse(c.req.valid('param'));
      const reason = disqualify ? (await readJson(c.req.raw, disqualifyBody)).reason : null;
      const team = await disqualifyTeam(services, slug, id, reason);
      boards.forget(slug);
      return c.json(shape(hostTeamResponse, { team }), 200);
    });
  }

  app.openapi(documented(app, r.labels), async (c) => {
    const { slug } = c.req.valid('param');
    const result = await replaceLabels(services, deps.blobs, slug, await labelsText(c.req.raw, deps));
    boards.forget(slug);
    return c.json(shape(labelsResponse, result), 200);
  });
}

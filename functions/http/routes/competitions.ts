// Competitions: create (host; dataset folder on the server or an uploaded zip), list, details, close. No labels ever.
import { rm } from 'node:fs/promises';
import { slugParams } from '../../../core/api/common.js';
import {
  BOOLEAN_COMPETITION_FIELDS,
  type CompetitionFormFields,
  competitionFields,
  competitionFormFields,
  competitionListResponse,
  competitionResponse,
  createCompetitionJson,
  createCompetitionMultipart,
  NUMERIC_COMPETITION_FIELDS,
} from '../../../core/api/competitions.js';
import { type Dataset, datasetLimits, loadDataset, withExtractedDataset } from '../../intake/dataset.js';
import { multipartBoundary, readMultipart } from '../../intake/multipart.js';
import { withTestImages } from '../../intake/test-images.js';
import { closeCompetition } from '../../services/competitions.js';
import { createCompetition, getCompetition, listCompetitions } from '../../services/index.js';
import { mediaType, readJson, requireMediaType, validate } from '../body.js';
import type { RouteDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { shape } from '../respond.js';
import { type ApiApp, apiRoute, documented, errorResponses, json } from './openapi.js';

export const createCompetitionRoute = apiRoute('host', {
  method: 'post',
  path: '/api/competitions',
  summary: 'Create a competition',
  description:
    'From a dataset folder on the server (JSON `datasetPath`) or an uploaded zip of that folder (multipart ' +
    'field `dataset`, streamed to disk and safely extracted). The public/private split is fixed now, and ' +
    "the images test.csv lists are linked or copied into the server's own folder for the scorer.",
  tags: ['competitions'],
  request: {
    body: {
      required: true,
      content: {
        ...json(createCompetitionJson),
        'multipart/form-data': { schema: createCompetitionMultipart },
      },
    },
  },
  responses: {
    201: { description: 'created', content: json(competitionResponse) },
    ...errorResponses(
      'invalid_argument',
      'unauthenticated',
      'forbidden',
      'conflict',
      'payload_too_large',
      'unsupported_media_type',
      'invalid_data',
      'unsafe_archive',
    ),
  },
});

export const listCompetitionsRoute = apiRoute('any', {
  method: 'get',
  path: '/api/competitions',
  summary: 'List competitions',
  tags: ['competitions'],
  responses: {
    200: { description: 'newest first', content: json(competitionListResponse) },
    ...errorResponses('unauthenticated'),
  },
});

export const getCompetitionRoute = apiRoute('any', {
  method: 'get',
  path: '/api/competitions/{slug}',
  summary: 'Competition details',
  tags: ['competitions'],
  request: { params: slugParams },
  responses: {
    200: { description: 'the competition', content: json(competitionResponse) },
    ...errorResponses('invalid_argument', 'unauthenticated', 'not_found'),
  },
});

export const closeCompetitionRoute = apiRoute('host', {
  method: 'post',
  path: '/api/competitions/{slug}/close',
  summary: 'End a competition now',
  description:
    'Moves the end to now: triggers and final selections are refused from here on, and the private ' +
    'leaderboard opens to everyone. 409 when it has already ended.',
  tags: ['competitions'],
  request: { params: slugParams },
  responses: {
    200: { description: 'the ended competition', content: json(competitionResponse) },
    ...errorResponses('invalid_argument', 'unauthenticated', 'forbidden', 'not_found', 'conflict'),
  },
});

/** Multipart text → typed fields: numeric fields are parsed, anything malformed fails the strict schema. */
function parseMultipartFields(raw: Record<string, string>): CompetitionFormFields {
  const values: Record<string, unknown> = { ...raw };
  for (const key of NUMERIC_COMPETITION_FIELDS) {
    const v = raw[key];
    if (v !== undefined && /^-?\d+(\.\d+)?$/.test(v.trim())) values[key] = Number(v.trim());
  }
  for (const key of BOOLEAN_COMPETITION_FIELDS) {
    const v = raw[key]?.trim();
    if (v === 'true' || v === 'false') values[key] = v === 'true';
  }
  return validate(competitionFormFields, values, 'form fields');
}

/** Register the competition routes. */
export function registerCompetitions(app: ApiApp, deps: RouteDeps): void {
  // The competition's datasetDir is a folder of the test images alone (no labels beside them).
  const create = (fields: CompetitionFormFields, dataset: Dataset) =>
    withTestImages(dataset, deps.config.datasetsDir, (datasetDir) =>
      createCompetition(deps.services, {
        ...fields,
        startsAt: fields.startsAt === undefined ? undefined : new Date(fields.startsAt),
        endsAt: new Date(fields.endsAt),
        classes: dataset.classes,
        items: dataset.items,
        datasetDir,
        datasetSha256: dataset.sha256,
      }),
    );

  app.openapi(documented(app, createCompetitionRoute), async (c) => {
    const type = mediaType(c.req.header('content-type'));
    if (type !== 'multipart/form-data') {
      requireMediaType(type, ['application/json', 'multipart/form-data']);
      const { datasetPath, ...fields } = await readJson(c.req.raw, createCompetitionJson);
      const competition = await create(fields, await loadDataset(datasetPath));
      return c.json(shape(competitionResponse, { competition }), 201);
    }
    const boundary = multipartBoundary(c.req.header('content-type'))!;
    const { config } = deps;
    const { fields, files } = await readMultipart(c.req.raw.body, boundary, {
      fields: Object.keys(competitionFields),
      files: { dataset: { dir: config.workDir, maxBytes: config.maxDatasetBytes, label: 'dataset' } },
    });
    const upload = files.dataset;
    try {
      const parsed = parseMultipartFields(fields);
      if (!upload)
        throw new HttpError('invalid_argument', 'multipart field "dataset" (the zipped folder) is missing');
      // The extracted folder goes once the competition exists: labels in the database, images linked.
      const competition = await withExtractedDataset(
        upload.path,
        config.datasetsDir,
        datasetLimits(config.maxDatasetBytes),
        (dataset) => create(parsed, dataset),
      );
      return c.json(shape(competitionResponse, { competition }), 201);
    } finally {
      if (upload) await rm(upload.path, { force: true });
    }
  });

  app.openapi(documented(app, listCompetitionsRoute), async (c) => {
    const competitions = await listCompetitions(deps.services);
    return c.json(shape(competitionListResponse, { competitions }), 200);
  });

  app.openapi(documented(app, getCompetitionRoute), async (c) => {
    const { slug } = c.req.valid('param');
    const competition = await getCompetition(deps.services, slug);
    return c.json(shape(competitionResponse, { competition }), 200);
  });

  app.openapi(documented(app, closeCompetitionRoute), async (c) => {
    const { slug } = c.req.valid('param');
    const competition = await closeCompetition(deps.services, slug);
    deps.boards.forget(slug); // the boards' phase changed: no reader of this process may see the old one
    return c.json(shape(competitionResponse, { competition }), 200);
  });
}

// Request helpers for the API tests: typed JSON calls and the steps of the competition flow.
import { expect } from 'vitest';
import type { z } from 'zod';
import { bundleResponse } from '../../core/api/bundles.js';
import { errorBodySchema } from '../../core/api/errors.js';
import { triggerResponse } from '../../core/api/submissions.js';
import { createTeamResponse } from '../../core/api/teams.js';
import type { DriverName } from '../helpers/db.js';
import { bearer, goodBundle, type Harness, HOST, openHarness } from './fixtures.js';

export type Reply = { status: number; body: unknown; text: string; res: Response };

/** When set, every reply of `call` is pushed here (the security crawl reads them all). */
export const recorder: { replies?: (Reply & { method: string; path: string })[] } = {};

/** Any request (a ReadableStream body is sent chunked); the reply body is parsed as JSON when it is JSON. */
export async function call(
  h: Harness,
  method: string,
  path: string,
  init: { json?: unknown; body?: RequestInit['body']; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers['Content-Type'] ??= 'application/json';
  }
  // A streamed body (chunked upload) needs duplex 'half' in Node's fetch.
  const stream = body instanceof ReadableStream ? { duplex: 'half' } : {};
  const res = await h.app.request(path, { method, body, headers, ...stream } as RequestInit);
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  const reply = { status: res.status, body: type.includes('json') ? JSON.parse(text) : {}, text, res };
  recorder.replies?.push({ ...reply, method, path });
  return reply;
}

/** Parse a reply's body with a route's response schema (so tests also check the documented shape). */
export function parse<S extends z.ZodType>(schema: S, reply: Reply): z.output<S> {
  const parsed = schema.safeParse(reply.body);
  if (!parsed.success) throw new Error(`status ${reply.status}, body does not match: ${reply.text}`);
  return parsed.data;
}

/** Expect an error reply with this status and code; returns the message. */
export function expectError(reply: Reply, status: number, code: string): string {
  const body = errorBodySchema.safeParse(reply.body);
  expect({ status: reply.status, code: body.data?.error.code }, reply.text).toEqual({ status, code });
  expect(body.data?.error.requestId).toBe(reply.res.headers.get('x-request-id'));
  return body.data?.error.message ?? '';
}

let n = 0;
/** A fresh slug per call. */
export const slug = (prefix = 'api') => `${prefix}-${++n}-${Math.random().toString(36).slice(2, 7)}`;

/** Create a competition from the harness's dataset folder (open from yesterday to +10 days on the test clock). */
export async function createCompetition(h: Harness, over: Record<string, unknown> = {}): Promise<string> {
  const s = (over.slug as string | undefined) ?? slug();
  const now = h.clock.now().getTime();
  const reply = await call(h, 'POST', '/api/competitions', {
    headers: HOST,
    json: {
      slug: s,
      title: `Competition ${s}`,
      datasetPath: h.dataset.dir,
      startsAt: new Date(now - 86_400_000).toISOString(),
      endsAt: new Date(now + 10 * 86_400_000).toISOString(),
      ...over,
    },
  });
  expect(reply.status, reply.text).toBe(201);
  return s;
}

/** Register a team; returns its id and token. */
export async function registerTeam(
  h: Harness,
  s: string,
  name = `team-${++n}`,
): Promise<{ id: string; token: string }> {
  const reply = await call(h, 'POST', `/api/competitions/${s}/teams`, {
    json: { name, members: ['ana', 'bo'] },
  });
  expect(reply.status, reply.text).toBe(201);
  const { team, token } = parse(createTeamResponse, reply);
  return { id: team.id, token };
}

/** Upload bundle bytes (or a stream of them, sent chunked) as application/zip; returns the reply. */
export function upload(
  h: Harness,
  s: string,
  token: string,
  bytes: Uint8Array | ReadableStream<Uint8Array>,
  type = 'application/zip',
): Promise<Reply> {
  return call(h, 'POST', `/api/competitions/${s}/bundles`, {
    headers: { ...bearer(token), 'Content-Type': type },
    body: bytes,
  });
}

/** Upload a good bundle predicting `favour`; returns the bundle id. */
export async function uploadGood(h: Harness, s: string, token: string, favour = 0): Promise<string> {
  const reply = await upload(h, s, token, await goodBundle(favour));
  expect([200, 201], reply.text).toContain(reply.status);
  return parse(bundleResponse, reply).bundle.id;
}

/** Trigger scoring; returns the reply. */
export function trigger(
  h: Harness,
  s: string,
  token: string,
  bundleId: string,
  key?: string,
): Promise<Reply> {
  return call(h, 'POST', `/api/competitions/${s}/submissions`, {
    headers: { ...bearer(token), ...(key ? { 'Idempotency-Key': key } : {}) },
    json: { bundleId },
  });
}

/** Trigger and score with the real scorer; returns the submission id. */
export async function submitAndScore(
  h: Harness,
  s: string,
  token: string,
  bundleId: string,
): Promise<string> {
  h.clock.advance(60_000);
  const reply = await trigger(h, s, token, bundleId);
  expect(reply.status, reply.text).toBe(202);
  const id = parse(triggerResponse, reply).submission.id;
  const outcome = await h.score(id);
  expect(outcome.status, JSON.stringify(outcome)).toBe('scored');
  return id;
}

/** What the error suites start from: small upload limits, a competition, the team "Errors" and its first bundle. */
export type ErrorSuite = { h: Harness; s: string; team: { id: string; token: string }; bundleId: string };

/**
 * The error suites' common start: a harness with 64 KiB bundles and 256 KiB datasets, a competition with a
 * daily limit of 2 and 1 final, and the team "Errors" with one good bundle uploaded.
 */
export async function openErrorSuite(driver: DriverName): Promise<ErrorSuite> {
  const h = await openHarness(driver, { maxBundleBytes: 64 * 1024, maxDatasetBytes: 256 * 1024 });
  const s = await createCompetition(h, { dailyLimit: 2, finals: 1 });
  const team = await registerTeam(h, s, 'Errors');
  return { h, s, team, bundleId: await uploadGood(h, s, team.token, 0) };
}

/** A POST of a text body with a content type (JSON by default) and extra headers, on the harness `h()` gives. */
export const poster =
  (h: () => Harness) =>
  (path: string, body: string, type = 'application/json', headers: Record<string, string> = {}) =>
    call(h(), 'POST', path, { body, headers: { 'Content-Type': type, ...headers } });

// The HTTP layer on a tiny app: one error shape and status table, request ids, bearer parsing, JSON bodies.
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SketchboardError } from '../../core/errors.js';
import { readJson } from '../../functions/http/body.js';
import type { AppEnv } from '../../functions/http/context.js';
import { ERROR_STATUS, errorHandler, HttpError, onNotFound } from '../../functions/http/errors.js';
import { bearerToken } from '../../functions/http/middleware/auth.js';
import { requestId } from '../../functions/http/middleware/request-id.js';

const schema = z.strictObject({ name: z.string().min(1), size: z.number().int().optional() });

const logged: Record<string, unknown>[] = [];

function tinyApp() {
  const app = new Hono<AppEnv>();
  app.use(requestId());
  app.onError(errorHandler({ error: (msg, fields) => logged.push({ msg, ...fields }) }));
  app.notFound(onNotFound);
  app.get('/throw/http/:code', (c) => {
    throw new HttpError(c.req.param('code') as keyof typeof ERROR_STATUS, 'told to');
  });
  app.get('/throw/core', () => {
    throw new SketchboardError('invalid_manifest', 'manifest.json is invalid: classes: expected number');
  });
  app.get('/throw/plain', () => {
    throw new Error('connect ECONNREFUSED 10.0.0.5:5432 at /srv/secret/db.ts');
  });
  app.get('/throw/hono', () => {
    throw new HTTPException(413, { message: 'too big' });
  });
  app.get('/raw', () => new Response('raw body'));
  app.post('/json', async (c) => c.json(await readJson(c.req.raw, schema)));
  return app;
}

type ErrorJson = { error: { code: string; message: string; requestId: string } };

/** GET `path` on `app`: expect `status` and the error `code` in the body; returns the response (body read). */
async function expectErrorCode(app: Hono<AppEnv>, path: string, status: number, code: string) {
  const res = await app.request(path);
  expect(res.status).toBe(status);
  expect(((await res.clone().json()) as ErrorJson).error.code).toBe(code);
  return res;
}

describe('error shape and status table', () => {
  const app = tinyApp();

  for (const [code, status] of Object.entries(ERROR_STATUS)) {
    it(`${code} → ${status}`, async () => {
      const res = await app.request(`/throw/http/${code}`);
      expect(res.status).toBe(status);
      const body = (await res.json()) as ErrorJson;
      expect(body.error.code).toBe(code);
      expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
      if (code !== 'internal') expect(body.error.message).toBe('told to');
    });
  }

  it('core errors keep their code; unknown errors become a bare 500 without details', async () => {
    await expectErrorCode(app, '/throw/core', 422, 'invalid_manifest');
    const plain = await expectErrorCode(app, '/throw/plain', 500, 'internal');
    const text = await plain.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'internal', message: 'internal error' } });
    expect(text).not.toMatch(/ECONNREFUSED|secret|5432/);
    const entry = logged.find((l) => l.requestId === plain.headers.get('x-request-id'));
    expect(String(entry?.error)).toMatch(/ECONNREFUSED/);
  });

  it("Hono's HTTPException maps by status; unknown routes get the same shape", async () => {
    await expectErrorCode(app, '/throw/hono', 413, 'payload_too_large');
    await expectErrorCode(app, '/nope', 404, 'not_found');
  });
});

describe('request ids', () => {
  const app = tinyApp();

  it('every response has X-Request-Id, raw responses and 404s included; a safe incoming id is kept', async () => {
    for (const path of ['/raw', '/nope', '/throw/plain']) {
      expect((await app.request(path)).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    const kept = await app.request('/nope', { headers: { 'X-Request-Id': 'client-42' } });
    expect(kept.headers.get('x-request-id')).toBe('client-42');
    expect(((await kept.json()) as ErrorJson).error.requestId).toBe('client-42');
    const unsafe = await app.request('/raw', { headers: { 'X-Request-Id': '<script>' } });
    expect(unsafe.headers.get('x-request-id')).not.toBe('<script>');
  });
});

describe('JSON bodies', () => {
  const app = tinyApp();
  const post = (body: string, type = 'application/json') =>
    app.request('/json', { method: 'POST', body, headers: { 'Content-Type': type } });
  const code = async (res: Response) => ((await res.json()) as ErrorJson).error;

  it('accepts a valid body', async () => {
    const res = await post('{"name":"a","size":2}', 'application/json; charset=utf-8');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'a', size: 2 });
  });

  it('400 malformed, 400 unknown field (named), 415 wrong type, 413 oversize', async () => {
    const malformed = await post('{"name":');
    expect(malformed.status).toBe(400);
    expect((await code(malformed)).message).toMatch(/malformed JSON/);
    const unknown = await post('{"name":"a","admin":true}');
    expect(unknown.status).toBe(400);
    expect((await code(unknown)).message).toMatch(/admin/);
    expect((await post('name=a', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await post(JSON.stringify({ name: 'x'.repeat(70_000) }))).status).toBe(413);
  });
});

describe('bearer tokens', () => {
  it('parses Bearer headers and refuses malformed ones', () => {
    expect(bearerToken(undefined)).toBeNull();
    expect(bearerToken('Bearer abcdefgh12345')).toBe('abcdefgh12345');
    expect(bearerToken('bearer abcdefgh12345')).toBe('abcdefgh12345');
    for (const bad of [
      'abcdefgh12345',
      'Basic dXNlcjpwYXNz',
      'Bearer',
      'Bearer a b c d e f g h',
      'Bearer short',
    ]) {
      expect(() => bearerToken(bad), bad).toThrow(HttpError);
    }
  });
});

// Helpers of the plan-path tests: planned bundles, raw tus requests (creation, offset, append) over the in-process app.
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { planResponse } from '../../core/api/bundles.js';
import { bearer, constantModel, type Harness, manifest } from './fixtures.js';
import { call, parse, type Reply } from './flow.js';

export const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const b64 = (s: string) => Buffer.from(s).toString('base64');
/** A tus request's headers: the protocol version, the team's token, then `extra`. */
const tusHeaders = (token: string, extra: Record<string, string> = {}) => ({
  'Tus-Resumable': '1.0.0',
  ...bearer(token),
  ...extra,
});

/** A planned bundle: manifest text and its files' bytes (a model predicting `favour` under `model.onnx`). */
export function plannedBundle(favour = 0, name = `planned-${favour}`) {
  const model = Buffer.from(constantModel(4, favour));
  return {
    manifest: JSON.stringify(manifest(4, { name })),
    files: { 'model.onnx': model } as Record<string, Buffer>,
  };
}

/** The plan request of a bundle (manifest text plus every other file's path, bytes, sha256). */
export function planBody(b: ReturnType<typeof plannedBundle>) {
  const files = Object.entries(b.files).map(([path, bytes]) => ({
    path,
    bytes: bytes.length,
    sha256: sha(bytes),
  }));
  return { manifest: b.manifest, files };
}

/** `POST …/bundles/plan`; returns the reply. */
export function plan(h: Harness, s: string, token: string, body: unknown): Promise<Reply> {
  return call(h, 'POST', `/api/competitions/${s}/bundles/plan`, { headers: bearer(token), json: body });
}

/** Plan and expect 200; returns the parsed answer. */
export async function planOk(h: Harness, s: string, token: string, b: ReturnType<typeof plannedBundle>) {
  const reply = await plan(h, s, token, planBody(b));
  expect(reply.status, reply.text).toBe(200);
  return parse(planResponse, reply);
}

/** tus creation; returns the reply (Location on 201). */
export function tusCreate(
  h: Harness,
  url: string,
  token: string,
  meta: { plan: string; sha256: string },
  length: number,
): Promise<Reply> {
  return call(h, 'POST', url, {
    headers: tusHeaders(token, {
      'Upload-Length': String(length),
      'Upload-Metadata': `plan ${b64(meta.plan)},sha256 ${b64(meta.sha256)}`,
    }),
  });
}

/** tus append from `offset` (a ReadableStream body is sent chunked). */
export function tusPatch(
  h: Harness,
  location: string,
  token: string,
  offset: number,
  body: RequestInit['body'],
): Promise<Reply> {
  return call(h, 'PATCH', location, {
    headers: tusHeaders(token, {
      'Upload-Offset': String(offset),
      'Content-Type': 'application/offset+octet-stream',
    }),
    body,
  });
}

/**
 * Plan `b` and create the tus upload of its `model.onnx` (declared sha256 and length, not checked here); returns the
 * plan, the model bytes, the creation reply and its Location.
 */
export async function createModelUpload(
  h: Harness,
  s: string,
  token: string,
  b: ReturnType<typeof plannedBundle>,
) {
  const model = b.files['model.onnx'];
  const { plan: p } = await planOk(h, s, token, b);
  const created = await tusCreate(h, p.uploadUrl, token, { plan: p.id, sha256: sha(model) }, model.length);
  return { p, model, created, location: created.res.headers.get('location') ?? '' };
}

/** tus offset (HEAD; no body, whatever the status). */
export async function tusHead(h: Harness, location: string, token: string): Promise<Reply> {
  const res = await h.app.request(location, { method: 'HEAD', headers: tusHeaders(token) });
  return { status: res.status, body: {}, text: '', res };
}

/** Create and send one planned file whole; returns the final PATCH reply. */
export async function tusSend(h: Harness, url: string, token: string, planId: string, bytes: Buffer) {
  const created = await tusCreate(h, url, token, { plan: planId, sha256: sha(bytes) }, bytes.length);
  expect(created.status, created.text).toBe(201);
  return tusPatch(h, created.res.headers.get('location') ?? '', token, 0, bytes);
}

/** `POST …/plan/:id/commit`. */
export function commit(h: Harness, s: string, token: string, planId: string): Promise<Reply> {
  return call(h, 'POST', `/api/competitions/${s}/bundles/plan/${planId}/commit`, { headers: bearer(token) });
}

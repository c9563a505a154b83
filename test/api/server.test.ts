// The API on a real Node server: uploads stream to disk as they arrive, chunked oversize bodies get 413, a client
// that drops mid-upload leaves nothing behind, and the server keeps serving.

import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBundle } from '../../core/bundle/open.js';
import { bundles } from '../../functions/db/schema.js';
import { type RunningServer, startServer } from '../../functions/http/server.js';
import type { ValidateBundle } from '../../functions/intake/bundle-check.js';
import { validateBundleArchive } from '../../functions/intake/bundle-check.js';
import { drivers } from '../helpers/db.js';
import { goodBundle, type Harness, openHarness } from './fixtures.js';
import { createCompetition, registerTeam } from './flow.js';

const LIMIT = 256 * 1024;

describe.each(drivers())('API on a Node server over %s', (driver) => {
  let h: Harness;
  let server: RunningServer;
  let path: string;
  let token: string;
  const checks = { active: 0, max: 0 };
  beforeAll(async () => {
    h = await openHarness(driver, { maxBundleBytes: LIMIT });
    // Instrumented (not replaced): the real bundle check, counting how many run at once.
    const validateBundle: ValidateBundle = async (...args) => {
      checks.max = Math.max(checks.max, ++checks.active);
      try {
        return await validateBundleArchive(...args);
      } finally {
        checks.active--;
      }
    };
    const config = { ...h.config, validationConcurrency: 1 };
    server = await startServer({
      env: { port: 0 },
      deps: { services: h.ctx, blobs: h.blobs, config, validateBundle },
    });
    const s = await createCompetition(h);
    token = (await registerTeam(h, s)).token;
    path = `/api/competitions/${s}/bundles`;
  });
  afterAll(async () => {
    await server?.close();
    await h?.close();
  });

  const bundleRows = async () => (await h.database.db.select({ n: count() }).from(bundles))[0].n;
  const healthy = async () => (await fetch(`${server.url}/healthz`)).status === 200;

  /** A chunked POST of the bundle route; resolves with the status (or the socket error). */
  function chunkedUpload() {
    const req = request(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/zip',
        'Transfer-Encoding': 'chunked',
      },
    });
    const done = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
    });
    return { req, done };
  }

  it('writes the body to disk while it is still arriving, then accepts the bundle', async () => {
    const bytes = await goodBundle(1);
    const { req, done } = chunkedUpload();
    req.write(bytes.subarray(0, 200));
    const partSizes = async () => {
      const parts = (await readdir(h.config.workDir)).filter((f) => f.endsWith('.part'));
      return Promise.all(parts.map(async (f) => (await stat(join(h.config.workDir, f))).size));
    };
    await expect.poll(partSizes, { timeout: 15_000 }).toEqual([200]);
    req.end(bytes.subarray(200));
    const reply = await done;
    expect(reply.status, reply.body).toBe(201);
    expect(reply.body).toContain(`"sizeBytes":${bytes.length}`);
    expect(await readdir(h.config.workDir)).toEqual([]);
    // Every file of the bundle is recorded with its size and sha256 (what content addressing and the
    // prediction cache key on), hashed here independently from the extracted files.
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const [row] = await h.database.db
      .select({ files: bundles.files })
      .from(bundles)
      .where(eq(bundles.sha256, sha(bytes)));
    const zip = join(h.config.workDir, '..', 'digest-check.zip');
    await writeFile(zip, bytes);
    const opened = await openBundle(zip);
    try {
      const want = await Promise.all(
        opened.files.map(async (path) => {
          const content = await readFile(join(opened.dir, path));
          return { path, bytes: content.length, sha256: sha(content) };
        }),
      );
      expect(want.map((f) => f.path)).toContain('manifest.json');
      expect(want.length).toBeGreaterThan(1);
      expect(row.files).toEqual(want);
    } finally {
      await opened.dispose();
    }
  });

  it('413 for a chunked body over the limit; the partial file is removed', async () => {
    const before = await bundleRows();
    const { req, done } = chunkedUpload();
    req.on('error', () => {}); // the server may close before we finish writing
    for (let i = 0; i < 16; i++) req.write(Buffer.alloc(64 * 1024, i));
    req.end();
    const reply = await done.catch(() => ({ status: -1, body: '' }));
    expect(reply.status).toBe(413);
    expect(reply.body).toContain('"payload_too_large"');
    await expect.poll(() => readdir(h.config.workDir), { timeout: 15_000 }).toEqual([]);
    expect(await bundleRows()).toBe(before);
    expect(await healthy()).toBe(true);
  });

  it('a client that disconnects mid-upload leaves no file and no bundle, and the server keeps serving', async () => {
    const before = await bundleRows();
    const url = new URL(server.url);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\n` +
        'Content-Type: application/zip\r\nContent-Length: 200000\r\n\r\n',
    );
    socket.write(Buffer.alloc(50_000, 7));
    await expect.poll(async () => (await readdir(h.config.workDir)).length, { timeout: 15_000 }).toBe(1);
    socket.destroy();
    await expect.poll(() => readdir(h.config.workDir), { timeout: 15_000 }).toEqual([]);
    expect(await bundleRows()).toBe(before);
    expect(await healthy()).toBe(true);
    const res = await fetch(`${server.url}/api/competitions`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('runs bundle checks one at a time when configured so; every concurrent upload still succeeds', async () => {
    checks.max = 0;
    const post = async (favour: number) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/zip' },
        body: await goodBundle(favour),
      });
    const replies = await Promise.all([0, 2, 3].map(post));
    expect(replies.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(checks.max).toBe(1);
  });
});

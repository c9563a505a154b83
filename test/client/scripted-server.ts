// A scripted loopback HTTP server for client tests: answers `METHOD path-prefix` routes and records every request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type Route = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** One request the server saw. */
export type SeenRequest = { method: string; url: string; key?: string; authorization?: string };

let server: Server | undefined;

/** Requests of the current scripted server, in arrival order (cleared by each `scripted`). */
export const requests: SeenRequest[] = [];

const header = (v: string | string[] | undefined) => (typeof v === 'string' ? v : undefined);

/** Starts a loopback server answering `METHOD path-prefix` routes in order of declaration; 404 otherwise. */
export async function scripted(routes: Record<string, Route>): Promise<string> {
  requests.length = 0;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('latin1');
    });
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        key: header(req.headers['idempotency-key']),
        authorization: header(req.headers.authorization),
      });
      const match = Object.keys(routes).find((r) => `${req.method} ${req.url}`.startsWith(r));
      if (match) routes[match](req, res, body);
      else json(res, 404, { error: { code: 'not_found', message: `no route ${req.url}`, requestId: 'r' } });
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/** Stops the current scripted server (call it in afterEach). */
export async function stopScripted(): Promise<void> {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
}

/** Answers `body` as JSON with `status`. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A submission as the API shows it (`submissionJson`), with `extra` fields over the defaults. */
export function fakeSubmission(
  id: string,
  bundleId: string,
  status: string,
  extra: Record<string, unknown> = {},
) {
  return {
    id,
    bundleId,
    status,
    attempt: 1,
    createdAt: new Date().toISOString(),
    startedAt: null,
    finishedAt: null,
    error: null,
    public: null,
    private: null,
    privateHidden: false,
    memberScores: null,
    selectedFinal: false,
    imagesPerSecond: null,
    runtime: null,
    hasOutput: false,
    ...extra,
  };
}

// The load generator's process: runs one autocannon pass for its parent (IPC in, IPC out), away from the API's event loop.
import autocannon from 'autocannon';
import { expandPath, type LoadResult, type LoadSpec } from './load.js';

/** One autocannon run over the spec: each request gets the next path (and cookie) of the cycle. */
async function run(spec: LoadSpec): Promise<LoadResult> {
  let k = 0;
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.seconds,
    timeout: 10,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          const n = k++;
          const cookie = spec.cookies.length > 0 ? spec.cookies[n % spec.cookies.length] : undefined;
          return {
            ...request,
            path: expandPath(spec.path, spec.vary, n),
            headers: { ...request.headers, ...(cookie ? { cookie } : {}) },
          };
        },
      },
    ],
  });
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = stat.count ?? 0;
  const responses = Object.values(statuses).reduce((a, b) => a + b, 0);
  const ok = Object.entries(statuses)
    .filter(([code]) => code === '304' || code.startsWith('2'))
    .reduce((a, [, n]) => a + n, 0);
  return {
    requestsPerSecond: responses / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    responses,
    ok,
    badStatus: responses - ok,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
    sent: k,
  };
}

process.once('message', (message) => {
  run(message as LoadSpec).then(
    (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
    (err: unknown) =>
      process.send?.({ ok: false, error: err instanceof Error ? err.message : String(err) }, () =>
        process.exit(1),
      ),
  );
});

// What the manifests are checked against, read from the code itself: env schema, CLI verbs and usage, routes, limits.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { COMMANDS } from '../../functions/cli/main.js';
import { ENV_NAMES, loadEnv } from '../../functions/config/env.js';
import { apiConfigFromEnv, createApp } from '../../functions/http/app.js';
import { STOP_GRACE_MS } from '../../functions/scorer/worker.js';
import type { ServiceContext } from '../../functions/services/context.js';
import { probeArgs } from '../../infra/probe.js';
import { REPO } from './manifest-model.js';

export type Facts = {
  envNames: ReadonlySet<string>;
  /** CLI verb → its usage text (functions/cli/main.ts COMMANDS). */
  verbs: ReadonlyMap<string, string>;
  /** HTTP status of GET `path` on the real app with a healthy database. */
  routeStatus(path: string): Promise<number>;
  stopGraceMs: number;
  pkg: {
    version: string;
    allowScripts: Record<string, boolean>;
    optionalDependencies: Record<string, string>;
  };
  /** Values onnxruntime-node's install script accepts on linux/x64 (ONNXRUNTIME_NODE_INSTALL). */
  ortInstallTargets: string[];
  exists(rel: string): boolean;
  probeArgsOk(args: string[]): boolean;
  /** Throws like the server does on a bad environment. */
  loadEnv(env: Record<string, string>): ReturnType<typeof loadEnv>;
};

/** Reads every fact once (imports each CLI verb's module for its usage). */
export async function loadFacts(): Promise<Facts> {
  const verbs = new Map<string, string>();
  for (const [verb, load] of Object.entries(COMMANDS)) {
    const command = await load();
    if (command.name !== verb) throw new Error(`the module of verb ${verb} names itself ${command.name}`);
    verbs.set(verb, command.usage);
  }
  const app = createApp({
    // /healthz and the pages' routing need no services; the database check is the ping below.
    services: {} as ServiceContext,
    blobs: {} as never,
    config: apiConfigFromEnv({ dataDir: '/nonexistent', maxBundleBytes: 1 }),
    ping: async () => {},
  });
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Facts['pkg'];
  const require = createRequire(join(REPO, 'package.json'));
  const meta = require('onnxruntime-node/script/install-metadata.js') as {
    requirements: Record<string, string[]>;
  };
  return {
    envNames: new Set(ENV_NAMES),
    verbs,
    routeStatus: async (path) => (await app.request(path)).status,
    stopGraceMs: STOP_GRACE_MS,
    pkg,
    ortInstallTargets: meta.requirements['linux/x64'] ?? [],
    exists: (rel) => existsSync(join(REPO, rel)),
    probeArgsOk: (args) => probeArgs(args) !== null,
    loadEnv: (env) => loadEnv(env),
  };
}

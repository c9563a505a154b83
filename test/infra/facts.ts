// What the manifests are checked against, read from the code itself: env schema, CLI verbs and usage, routes, limits.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { apiConfigFromEnv, createApp } from '../../functions/app.js';
import { ENV_NAMES, loadEnv } from '../../functions/env.js';
import { STOP_GRACE_MS } from '../../functions/scorer/worker.js';
import type { ServiceContext } from '../../functions/services/context.js';
import { probeArgs } from '../../infra/probe.js';
import { REPO } from './manifest-model.js';

export type Facts = {
  envNames: ReadonlySet<string>;
  /** CLI verb → its usage text (core/cli/main.ts COMMANDS). */
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

/** Verb → module file, from the COMMANDS table's `verb: async () => (await import('./x.js')).command` lines. */
export function commandTable(mainTs: string): Map<string, string> {
  const table = /const COMMANDS[^{]*\{([\s\S]*?)\n\};/.exec(mainTs)?.[1] ?? '';
  const out = new Map<string, string>();
  for (const m of table.matchAll(
    /^\s*'?([a-z][\w-]*)'?: async \(\) => \(await import\('\.\/([\w-]+)\.js'\)\)\.command,?$/gm,
  )) {
    out.set(m[1], m[2]);
  }
  return out;
}

/** Reads every fact once (imports each CLI verb's module for its usage). */
export async function loadFacts(): Promise<Facts> {
  const verbs = new Map<string, string>();
  for (const [verb, mod] of commandTable(readFileSync(join(REPO, 'core/cli/main.ts'), 'utf8'))) {
    const loaded = (await import(join(REPO, 'core/cli', `${mod}.ts`))) as {
      command: { name: string; usage: string };
    };
    if (loaded.command.name !== verb)
      throw new Error(`core/cli/${mod}.ts names itself ${loaded.command.name}`);
    verbs.set(verb, loaded.command.usage);
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

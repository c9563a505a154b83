// infra/OPERATIONS.md checked against the code: env table vs the schema, quoted numbers vs constants, paths and verbs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV_NAMES, envDefault } from '../../functions/config/env.js';
import { QUEUE_DEFAULTS, recoverySeconds } from '../../functions/queue/queue.js';
import { S3_BLOB_DEFAULTS } from '../../functions/storage/s3.js';
import { scaledJobs, triggersOf } from './checks-keda.js';
import { type Facts, loadFacts } from './facts.js';
import { buildModel, loadRawInfra, REPO } from './manifest-model.js';

const MiB = 1024 * 1024;
const source = (rel: string) => readFileSync(join(REPO, rel), 'utf8');

/** Rows `| \`NAME\` | default | ...` of the table under the header starting with `| variable | default |`. */
function envTable(doc: string): Map<string, string> {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.startsWith('| variable | default |'));
  const rows = new Map<string, string>();
  for (const line of lines.slice(start + 2)) {
    const m = /^\| `([A-Z0-9_]+)` \| ([^|]+) \|/.exec(line);
    if (!m) break;
    rows.set(m[1], m[2].trim());
  }
  return rows;
}

/** The numbers the doc quotes, as the code defines them today. */
function quotes(f: Facts, scorerGraceSeconds: number): string[] {
  const pool = /target\.poolMax \?\? (\d+)/.exec(source('functions/db/client.ts'))?.[1];
  const bossPool = /postgres\(database\.url, \{ max: (\d+)/.exec(source('functions/queue/queue.ts'))?.[1];
  return [
    `Retries wait ${QUEUE_DEFAULTS.retryDelaySeconds} s`,
    `up to ${QUEUE_DEFAULTS.retryDelayMaxSeconds} s`,
    `\`SKETCHBOARD_SCORER_TIMEOUT_SECONDS\` + ${QUEUE_DEFAULTS.expireSlackSeconds} s is expired`,
    `heartbeat stops for ${QUEUE_DEFAULTS.heartbeatSeconds} s`,
    `retries it within about ${recoverySeconds({})} s`,
    `elsewhere within about ${recoverySeconds({})} s`,
    `monitor (every ${QUEUE_DEFAULTS.monitorIntervalSeconds} s)`,
    `after ${f.stopGraceMs / 1000} s (\`STOP_GRACE_MS\``,
    `\`terminationGracePeriodSeconds: ${scorerGraceSeconds}\``,
    `\`stop_grace_period: ${scorerGraceSeconds}s\``,
    `${S3_BLOB_DEFAULTS.multipartThresholdBytes / MiB} MiB or more`,
    `in ${S3_BLOB_DEFAULTS.partSizeBytes / MiB} MiB parts, ${S3_BLOB_DEFAULTS.partConcurrency} at a time`,
    `up to ${S3_BLOB_DEFAULTS.maxAttempts} attempts`,
    `a pool of up to ${pool} connections plus ${bossPool} for pg-boss`,
    `\`max_connections\` ≥ ${Number(pool) + Number(bossPool)} ×`,
  ];
}

/** Everything wrong with `doc`; empty when it matches the code. */
function docProblems(doc: string, f: Facts, scorerGraceSeconds: number): string[] {
  const problems: string[] = [];
  const table = envTable(doc);
  for (const name of ENV_NAMES) {
    const want = envDefault(name);
    const cell = table.get(name);
    if (cell === undefined) problems.push(`env table: no row for ${name}`);
    else if (cell !== (want === undefined ? '—' : `\`${want}\``))
      problems.push(`env table: ${name} default ${cell}, the schema says ${want ?? 'none'}`);
  }
  for (const name of table.keys())
    if (!ENV_NAMES.includes(name)) problems.push(`env table: ${name} is not in the schema`);
  const code = ['core/cli/main.ts', 'core/cli/train.ts', 'core/backends/tfjs.ts'].map(source).join('\n');
  for (const [name] of doc.matchAll(/\bSKETCHBOARD_[A-Z0-9_]*[A-Z0-9]\b(?!_)/g)) {
    if (!ENV_NAMES.includes(name) && !code.includes(`'${name}'`) && !code.includes(`env.${name}`))
      problems.push(`${name} is mentioned but read nowhere`);
  }
  for (const [path] of doc.matchAll(/(?<![\w/])infra\/[\w./-]*[\w/]/g)) {
    if (!f.exists(path.replace(/\/$/, ''))) problems.push(`${path} does not exist`);
  }
  for (const [, verb] of doc.matchAll(/`sketchboard ([a-z]+)\b/g)) {
    if (!f.verbs.has(verb)) problems.push(`sketchboard ${verb} is not a CLI verb`);
  }
  for (const q of quotes(f, scorerGraceSeconds)) if (!doc.includes(q)) problems.push(`does not say "${q}"`);
  return problems;
}

let facts: Facts;
let doc: string;
let grace: number;
beforeAll(async () => {
  facts = await loadFacts();
  doc = source('infra/OPERATIONS.md');
  const scorer = buildModel(loadRawInfra()).objects.find(
    (x) => x.kind === 'Deployment' && (x.metadata as { name?: string }).name === 'sketchboard-scorer',
  );
  if (!scorer) throw new Error('no scorer Deployment');
  const spec = scorer.spec as { template: { spec: { terminationGracePeriodSeconds: number } } };
  grace = spec.template.spec.terminationGracePeriodSeconds;
});

describe('infra/OPERATIONS.md', () => {
  it('matches the env schema, the constants it quotes, the files and the CLI', () => {
    expect(envTable(doc).size).toBe(ENV_NAMES.length);
    expect(docProblems(doc, facts, grace)).toEqual([]);
  });

  it('quotes the ScaledJob trigger query as the manifest has it', () => {
    const [job] = scaledJobs(buildModel(loadRawInfra()));
    const query = String(triggersOf(job)[0].metadata.query).replace(/\s+/g, ' ').trim();
    expect(doc).toContain(`\`${query}\``);
  });

  it.each([
    [
      'a changed default',
      (d: string) => d.replace('| `PORT` | `8787` |', '| `PORT` | `8080` |'),
      /PORT default `8080`/,
    ],
    [
      'a missing row',
      (d: string) => d.replace(/^\| `SKETCHBOARD_S3_PREFIX` .*\n/m, ''),
      /no row for SKETCHBOARD_S3_PREFIX/,
    ],
    [
      'an invented variable',
      (d: string) => d.replace('`SKETCHBOARD_DEBUG`', '`SKETCHBOARD_VERBOSE`'),
      /SKETCHBOARD_VERBOSE is mentioned but read nowhere/,
    ],
    [
      'a moved file',
      (d: string) => d.replace('infra/k8s/train-job.yaml', 'infra/k8s/jobs/train.yaml'),
      /infra\/k8s\/jobs\/train\.yaml does not exist/,
    ],
    [
      'a stale number',
      (d: string) => d.replace('after 30 s (`STOP_GRACE_MS`', 'after 60 s (`STOP_GRACE_MS`'),
      /does not say "after 30 s/,
    ],
    [
      'an unknown verb',
      (d: string) => d.replace('`sketchboard score --submission', '`sketchboard rescore --submission'),
      /sketchboard rescore is not a CLI verb/,
    ],
  ])('reports %s', (_what, mutate, expected) => {
    const broken = mutate(doc);
    expect(broken).not.toBe(doc);
    expect(docProblems(broken, facts, grace).join('\n')).toMatch(expected);
  });
});

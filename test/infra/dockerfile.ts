// A Dockerfile reader for tests: stages, instructions, ENV, exec-form CMD/ENTRYPOINT/HEALTHCHECK, COPY sources, and .dockerignore.

/** One instruction with its continuation lines joined and comment lines dropped. */
export type Instruction = { op: string; args: string; line: number };
export type Stage = { name: string | undefined; from: string; instructions: Instruction[] };
export type Dockerfile = { file: string; stages: Stage[]; problems: string[] };

/** What an image built from a Dockerfile's last stage runs with (stage inheritance applied). */
export type ImageConfig = {
  dockerfile: string;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
  user: string | undefined;
  healthcheck: string[] | undefined;
  /** Context paths the image copies (COPY without --from). */
  copies: string[];
};

/** Splits a Dockerfile into stages of instructions; malformed lines land in `problems`. */
export function parseDockerfile(file: string, text: string): Dockerfile {
  const stages: Stage[] = [];
  const problems: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      i++;
      const next = lines[i].trim();
      if (!next.startsWith('#')) line = `${line.slice(0, -1).trimEnd()} ${next}`;
    }
    const m = /^([A-Z]+)\s+(.*)$/.exec(line);
    if (!m) {
      problems.push(`${file}:${start + 1}: not an instruction: ${line}`);
      continue;
    }
    const [, op, args] = m;
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: f?.[1] ?? args, name: f?.[2], instructions: [] });
    } else if (stages.length === 0) problems.push(`${file}:${start + 1}: ${op} before FROM`);
    else stages.at(-1)?.instructions.push({ op, args, line: start + 1 });
  }
  return { file, stages, problems };
}

/** `K=V K2="v 2"` of an ENV instruction. */
export function parseEnv(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
    out[m[1]] = m[2].startsWith('"') ? (JSON.parse(m[2]) as string) : m[2];
  }
  return out;
}

/** The JSON array of an exec-form instruction, or null for shell form. */
export function execForm(args: string): string[] | null {
  try {
    const v: unknown = JSON.parse(args);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null;
  } catch {
    return null;
  }
}

/** The stage chain ending at `stage` (its FROM parents inside the same Dockerfile first). */
export function stageChain(df: Dockerfile, stage: Stage): Stage[] {
  const parent = df.stages.find((s) => s.name !== undefined && s.name === stage.from);
  return parent && parent !== stage ? [...stageChain(df, parent), stage] : [stage];
}

/** The final image's runtime configuration. */
export function imageConfig(df: Dockerfile): ImageConfig {
  const last = df.stages.at(-1);
  const cfg: ImageConfig = {
    dockerfile: df.file,
    env: {},
    entrypoint: [],
    cmd: [],
    user: undefined,
    healthcheck: undefined,
    copies: [],
  };
  for (const stage of last ? stageChain(df, last) : []) {
    for (const ins of stage.instructions) {
      if (ins.op === 'ENV') Object.assign(cfg.env, parseEnv(ins.args));
      if (ins.op === 'ENTRYPOINT') cfg.entrypoint = execForm(ins.args) ?? ['/bin/sh', '-c', ins.args];
      if (ins.op === 'CMD') cfg.cmd = execForm(ins.args) ?? ['/bin/sh', '-c', ins.args];
      if (ins.op === 'USER') cfg.user = ins.args.trim();
      if (ins.op === 'HEALTHCHECK')
        cfg.healthcheck = execForm(ins.args.replace(/^(--\S+\s+)*CMD\s+/, '')) ?? [];
      if (ins.op === 'COPY' && !/--from=/.test(ins.args)) cfg.copies.push(...copySources(ins.args));
    }
  }
  return cfg;
}

/** Context sources of `COPY [--flags] src... dest`. */
export function copySources(args: string): string[] {
  const words = args.split(/\s+/).filter((w) => w !== '' && !w.startsWith('--'));
  return words.slice(0, -1);
}

/**
 * True when `.dockerignore` patterns (last match wins; a path is excluded when it or a parent
 * directory is) leave `path` in the build context.
 */
export function inContext(patterns: string, path: string): boolean {
  const rules = patterns
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const glob = (negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, '');
      const re = glob
        .split('/')
        .map((part) =>
          part === '**' ? '.*' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'),
        )
        .join('/');
      return { negate, re: new RegExp(`^${re}$`) };
    });
  const parts = path.replace(/\/+$/, '').split('/');
  let included = true;
  for (const rule of rules) {
    for (let n = 1; n <= parts.length; n++) {
      if (rule.re.test(parts.slice(0, n).join('/'))) {
        included = rule.negate;
        break;
      }
    }
  }
  return included;
}

// Why a scoring run failed, in words a team can read, and whether it was the bundle's fault or ours.
import { errorMessage } from '../../core/errors.js';
import { type FailureCode, INFRA_CODE } from '../services/results.js';

export type { FailureCode } from '../services/results.js';

/** A failure: `message` is shown to the team; `detail` (child stderr, causes) only goes to logs. */
export type RunFailure = { code: FailureCode; message: string; isInfra: boolean; detail?: string };

/** Thrown by the pipeline for faults of ours; the worker retries the job for these. */
export class InfraError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InfraError';
  }
}

/** A failure value for an infra fault; the team sees a generic message, logs get the cause. */
export function infraFailure(err: unknown): RunFailure {
  return {
    code: INFRA_CODE,
    isInfra: true,
    message: 'scoring could not run because of a server problem; it does not count against your daily limit',
    detail: errorMessage(err),
  };
}

/** Map a runner's structured error (a core ErrorCode or 'crash') to a failure. */
export function failureFromRunner(code: string, message: string): RunFailure {
  switch (code) {
    case 'invalid_manifest':
    case 'unsafe_archive':
    case 'invalid_model':
      return { code: 'invalid_bundle', isInfra: false, message: `invalid bundle: ${message}` };
    case 'model_output':
      return { code: 'model_output', isInfra: false, message: `invalid model output: ${message}` };
    case 'invalid_data':
    case 'not_found':
    case 'runtime_unavailable':
    case 'invalid_argument':
    case 'protocol':
      return infraFailure(new Error(`runner reported ${code}: ${message}`));
    default:
      return { code: 'crash', isInfra: false, message: `the bundle failed while scoring: ${message}` };
  }
}

/** How the child ended when it did not report a result or an error of its own. */
export type ExitInfo = {
  killedFor?: FailureCode;
  limits?: { timeoutMs: number; memoryMb: number };
  code?: number | null;
  signal?: NodeJS.Signals | null;
  stderr?: string;
  spawnError?: unknown;
};

/** Map a kill, an exit code or a signal to a failure. */
export function failureFromExit(exit: ExitInfo): RunFailure {
  if (exit.spawnError !== undefined) return infraFailure(exit.spawnError);
  if (exit.killedFor === 'timeout') {
    const s = Math.round((exit.limits?.timeoutMs ?? 0) / 1000);
    return {
      code: 'timeout',
      isInfra: false,
      message: `scoring took longer than the ${s} s time limit and was stopped`,
    };
  }
  if (exit.killedFor === 'out_of_memory') {
    return {
      code: 'out_of_memory',
      isInfra: false,
      message: `the bundle used more than the ${exit.limits?.memoryMb ?? 0} MB memory limit and was stopped`,
    };
  }
  if (exit.killedFor === 'infra')
    return infraFailure(new Error('the run was cancelled (claim lost or shutdown)'));
  const stderr = exit.stderr ?? '';
  if (/heap out of memory|Reached heap limit|std::bad_alloc|Failed to allocate/i.test(stderr)) {
    return { code: 'out_of_memory', isInfra: false, message: 'the bundle ran out of memory while scoring' };
  }
  if (exit.signal === 'SIGKILL') {
    return {
      code: 'out_of_memory',
      isInfra: false,
      message: 'the scoring process was killed by the system, most likely for using too much memory',
    };
  }
  const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
  return { code: 'crash', isInfra: false, message: `the model runtime crashed while scoring (${how})` };
}

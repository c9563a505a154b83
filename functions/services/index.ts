// The competition service's data access and business rules (no HTTP): one import for routes and the scorer.
//
// API summary — every function takes a ServiceContext `ctx` first ({ db, queue?, hostToken?,
// maxActiveSubmissions, now? }) and throws ServiceError (services/errors.ts) with a code the HTTP
// status table knows: invalid_argument, unauthenticated, forbidden, not_found, conflict,
// competition_closed, invalid_bundle, limit_exceeded, payload_too_large.
//
// competitions  createCompetition(ctx, NewCompetition) → CompetitionView          (split fixed here)
//               listCompetitions(ctx) → CompetitionView[];  getCompetition(ctx, slug) → CompetitionView
//               teamCounts(ctx) → Map<competitionId, registered teams>
// teams         registerTeam(ctx, slug, { name, members }) → { team: TeamView, token }   (token once)
//               authenticate(ctx, token) → { kind: 'host' } | { kind: 'team', team: TeamIdentity }
//               teamByToken(ctx, token) → TeamIdentity | null;  getTeam(ctx, teamId) → TeamView
// bundles       recordBundle(ctx, { teamId, sha256, sizeBytes, manifest, blobKey }) → { bundle, created }
//               getBundle(ctx, teamId, bundleId) → BundleView;  listBundles(ctx, teamId) → BundleView[]
//               findBundleBySha(ctx, teamId, sha256) → BundleView | null   (the team's upload of those bytes)
// submissions   triggerSubmission(ctx, { teamId, bundleId, idempotencyKey? }) → { submission, created }
//               listSubmissions(ctx, teamId, { limit?, offset? }) → { total, limit, offset, submissions }
//               scoreHistory(ctx, teamId) → ScorePoint[];  bundleNames(ctx, teamId, ids) → Map<id, name>
//               getSubmission(ctx, id, viewer) → SubmissionView      (private score null before the end)
//               submissionOutputKey(ctx, id, viewer) → blob key of output.csv
//               selectFinal(ctx, teamId, submissionId, selected) → SubmissionView
// standings     leaderboard(ctx, slug, split, { asHost?, limit?, offset? }) → a page of the kept standings;
//               boardState (version + phase for ETags), standingOf, ranksOf, rebuildStandings
// claims        claimSubmission(ctx, id, attempt?) → Claim | null;  loadAnswerKey(ctx, competitionId)
// results       completeSubmission(ctx, id, leaseToken, ScoreResults) → SubmissionView
//               failSubmission(ctx, id, leaseToken, Failure) → SubmissionView   (StaleLeaseError if stale)
//               abandonSubmission(ctx, id, message?) → boolean                  (dead-letter queue)
//               drainDeadLetters(ctx, queue) → number       (abandons every dead-lettered job's submission)
// queue-status  queueStandings(ctx, rows) → Map<id, { position, estimatedStartAt, estimateSeconds }>
//               recordProgress(ctx, id, leaseToken, done, total) → boolean   (the scorer, throttled)
// sweep         failStuckSubmissions(ctx, { olderThanSeconds, limitSeconds }) → the submissions it failed
//
// Scorer loop (functions/scorer/worker.ts): boss.work(SCORE_QUEUE, async ([job]) => { const claim = await
// claimSubmission(ctx, job.data.submissionId, attemptOf(job)); if (!claim) return; ... then
// completeSubmission(...) or failSubmission(..., { isInfra, retry: isInfra && !isLastAttempt(queue, job) })
// and, for a retried infra fault, throw so pg-boss retries the job }. A killed worker's job is
// retried by pg-boss (heartbeat / expiry) with retryCount + 1; the new claim's lease makes the old
// worker's late writes fail with StaleLeaseError. Jobs out of retries land in SCORE_DEAD_QUEUE.
//
// `viewer` is H7's Principal ({ kind: 'host' } | { kind: 'team', team: { id } } | { kind: 'anonymous' }).
// Views never contain labels, per-item splits, token hashes, dataset paths or the split seed.

export { findBundleBySha, getBundle, listBundles, type NewBundle, recordBundle } from './bundles.js';
export { type AnswerKey, type Claim, claimSubmission, loadAnswerKey } from './claims.js';
export {
  COMPETITION_DEFAULTS,
  createCompetition,
  getCompetition,
  type LabeledItem,
  listCompetitions,
  type NewCompetition,
  teamCounts,
} from './competitions.js';
export { nowOf, pingDatabase, type ServiceContext, utcDayStart, type Viewer } from './context.js';
export {
  ESTIMATE_SAMPLE,
  estimateSeconds,
  queueStandings,
  recordProgress,
  withQueueStandings,
} from './queue-status.js';
export {
  abandonSubmission,
  type Count,
  completeSubmission,
  drainDeadLetters,
  type Failure,
  failSubmission,
  type ScoreResults,
} from './results.js';
export {
  assertShakeupOpen,
  SHAKEUP_LEVEL,
  SHAKEUP_RESAMPLES,
  SHAKEUP_SEED,
  type Shakeup,
  type ShakeupRow,
  shakeup,
} from './shakeup.js';
export { stratifiedSplit } from './split.js';
export {
  assertBoardVisible,
  type BoardState,
  boardState,
  type Leaderboard,
  type LeaderboardRow,
  leaderboard,
  type RebuildResult,
  ranksOf,
  rebuildStandings,
  standingOf,
} from './standings.js';
export {
  getSubmission,
  listSubmissions,
  type SubmissionPage,
  selectFinal,
  submissionOutputKey,
  type TriggerInput,
  triggerSubmission,
} from './submissions.js';
export { failStuckSubmissions, type SweptSubmission, TIMEOUT_CODE } from './sweep.js';
export { bundleNames, type ScorePoint, scoreHistory } from './team-history.js';
export {
  authenticate,
  getTeam,
  hashToken,
  type NewTeam,
  type Principal,
  registerTeam,
  TEAM_TOKEN_PREFIX,
  teamByToken,
} from './teams.js';
export type {
  BundleView,
  CompetitionPhase,
  CompetitionView,
  QueueStanding,
  Score,
  SubmissionView,
  TeamIdentity,
  TeamView,
} from './views.js';

// The HTTP API's wire contract, written once: request and response schemas shared by the routes and the client.
export * from './bundles.js';
export * from './common.js';
export * from './competitions.js';
export * from './data.js';
export * from './errors.js';
export * from './health.js';
export * from './host.js';
export * from './leaderboard.js';
export * from './shakeup.js';
export * from './standing.js';
export * from './submissions.js';
export * from './teams.js';

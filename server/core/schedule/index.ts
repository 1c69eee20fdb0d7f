// Schedules: which crons and time zones are accepted, and when they fire. Pure; croner does the matching.
export { cronProblem, cronErrorMessage } from './cron-problem.js';
export { timezoneProblem } from './timezone-problem.js';
export { nextInstants } from './instants.js';
export { dueInstant, MISSED_COUNT_LIMIT } from './due-instant.js';
export type { Due } from './due-instant.js';
export { wallAt } from './zone-clock.js';

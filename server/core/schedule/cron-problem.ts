// The one answer to "is this cron accepted?", for the language and the `cron` command.
import { cronPattern } from './cron-pattern.js';

/** Why `expression` is not an accepted cron expression, or null when it is. */
export function cronProblem(expression: string): string | null {
  try {
    cronPattern(expression);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The diagnostic sentence for an expression that cronProblem rejects, or null. */
export function cronErrorMessage(expression: string): string | null {
  const problem = cronProblem(expression);
  return problem === null ? null : `\`${expression}\` is not a valid cron expression: ${problem}.`;
}

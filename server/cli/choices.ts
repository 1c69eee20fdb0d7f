import { didYouMean } from '../core/language/suggest.js';
import { UsageError } from './usage.js';

// Every value typed from a fixed list (events, statuses, states, subcommands, shells) is checked here, before any
// request, so a typo gets the list and a "did you mean" instead of a round trip and a schema message.

/** `value` when it is one of `allowed` (or undefined when not given); else a usage error naming the values. */
export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T | undefined {
  if (value === undefined || (allowed as readonly string[]).includes(value)) return value as T | undefined;
  throw new UsageError(`${what} must be one of ${allowed.join(', ')}, not "${value}".${didYouMean(value, allowed)}`);
}

/** The subcommand `sub` of `command`, or a usage error naming them. */
export function subcommand<T extends string>(command: string, sub: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(sub)) return sub as T;
  throw new UsageError(`unknown ${command} command "${sub}"; use ${allowed.join(', ')}.${didYouMean(sub, allowed)}`);
}

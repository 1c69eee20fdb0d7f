// Schedules name their zone with an IANA name, as GitHub's `timezone` does; the list is Node's (ICU's).
// https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#onschedule
import { closestMatch } from '../language/suggest.js';

let knownNames: readonly string[] | undefined;

// Node 20's list leaves out `UTC` and some aliases (`Asia/Kolkata`) that Intl still accepts.
function zoneNames(): readonly string[] {
  knownNames ??= ['UTC', ...Intl.supportedValuesOf('timeZone')];
  return knownNames;
}

/** Why `zone` is not an accepted time zone, as a sentence, or null when it is. */
export function timezoneProblem(zone: string): string | null {
  if (zone.trim() === '') return 'The time zone is empty; leave `timezone` out for UTC, or name a zone such as `Europe/Berlin`.';
  // Newer Node versions accept offsets such as `+02:00`; an offset has no DST, so it is not the zone people mean.
  if (/^[+-]\d|^(UTC|GMT)\s*[+-]\d/i.test(zone)) {
    return `\`${zone}\` is a UTC offset; name a time zone from the IANA database instead, such as \`Europe/Berlin\` or \`UTC\`.`;
  }
  if (!isKnownZone(zone)) {
    const closest = closestMatch(zone, zoneNames());
    const hint = closest === undefined ? '' : ` Did you mean \`${closest}\`?`;
    return `\`${zone}\` is not a time zone from the IANA database, such as \`Europe/Berlin\` or \`UTC\`.${hint}`;
  }
  // Intl ignores case, but the name is compared character for character when a schedule event names it.
  const lower = zone.toLowerCase();
  const spelt = zoneNames().find((name) => name !== zone && name.toLowerCase() === lower);
  if (spelt !== undefined) return `Time zone names are case-sensitive: write \`${spelt}\`, not \`${zone}\`.`;
  return null;
}

function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

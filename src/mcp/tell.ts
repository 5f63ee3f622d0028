/** The lines an agent passes on to the person: what they have, until when, and how to keep it. Pure. */
import { formatTimeLeft } from '../report/format.js';

/**
 * "It is deleted at … (71h 59m left) unless claimed: <url>. <what claiming means>"
 *
 * @example
 * tellThePerson('https://…/claim/1', new Date(Date.now() + 3_600_000), 'Claiming keeps it on this server.', new Date());
 */
export function tellThePerson(claimUrl: string, expiresAt: Date | undefined, claimMeaning: string, now: Date): string {
  const until = expiresAt ? `it is deleted at ${expiresAt.toISOString()} (${formatTimeLeft(expiresAt.getTime() - now.getTime())} left) unless they claim it` : 'they can keep it by claiming it';
  return `Tell the person: this is a temporary database; ${until} at ${claimUrl} (they open it themselves; never open it for them). ${claimMeaning}`;
}

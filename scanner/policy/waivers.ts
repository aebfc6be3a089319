import type { ArtifactResult } from '../result.js';
import { globMatch } from './glob.js';
import type { Waiver } from './types.js';

/** True when the waiver's artifact selectors (glob on the path, and/or sha256) match the artifact. */
export function waiverMatchesArtifact(w: Waiver, result: Pick<ArtifactResult, 'path' | 'sha256'>): boolean {
  if (w.artifact === undefined && w.sha256 === undefined) return false;
  if (w.artifact !== undefined && !globMatch(w.artifact, result.path)) return false;
  if (w.sha256 !== undefined && w.sha256 !== result.sha256) return false;
  return true;
}

/** A waiver applies through the whole of its `expires` day (UTC) and stops the day after. */
export function waiverExpired(w: Pick<Waiver, 'expires'>, now: Date): boolean {
  return now.toISOString().slice(0, 10) > w.expires;
}

/** `YYYY-MM-DD` that names a real calendar day. */
export function isCalendarDate(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

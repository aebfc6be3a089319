import type { Severity } from './severity.js';

/** Where in an artifact a finding was made. */
export interface FindingLocation {
  /** Member path inside containers, joined with ':' (e.g. `archive/data.pkl`); absent for the top-level object. */
  member?: string;
  /** Byte offset within the member (or the file when there is no member). */
  offset?: number;
}

/** One thing a detector found. Carries names (callables, rule ids), never argument values or file content. */
export interface Finding {
  /** Stable rule id from `rules/*.yaml`, e.g. `PICKLE-OS-EXEC`. */
  ruleId: string;
  severity: Severity;
  /** One line: what was found and why it matters. */
  message: string;
  location: FindingLocation;
  /** Resolved evidence, e.g. `posix.system via STACK_GLOBAL -> REDUCE`. */
  evidence?: string;
  /** Canonical name of the callable / module / op involved, if any. */
  callable?: string;
  /** The rule's one-line "why". */
  why?: string;
  /** Advisory ids (CVE/GHSA) the rule is tied to. */
  references?: string[];
}

/** What a detector reports; the pipeline fills in the member path. */
export type FindingInput = Omit<Finding, 'location'> & { offset?: number };

import type { Severity } from '../severity.js';
import type { Action } from './types.js';

/** Why part of a decision was taken. */
export type ReasonKind = 'finding' | 'inconclusive' | 'format' | 'unsigned';

export interface Reason {
  kind: ReasonKind;
  /** What this reason contributes to the decision. */
  action: Action;
  /** The finding's rule id (kind 'finding'), the coverage code (kind 'inconclusive'), or the format. */
  ruleId?: string;
  /** Effective severity after `severity_overrides` (kind 'finding'). */
  severity?: Severity;
  /** Severity the detector reported, when a policy override changed it. */
  reportedSeverity?: Severity;
  member?: string;
  callable?: string;
  /** The finding's evidence (names only, e.g. `os.system via STACK_GLOBAL -> REDUCE`). */
  evidence?: string;
  /** The policy clause that produced `action`, with the pack that set it: `strict: actions.medium = block`. */
  clause: string;
  /** One line for users: the rule's why text, or what the requirement is. */
  why: string;
}

export interface WaivedFinding {
  ruleId: string;
  member?: string;
  waiver: { id?: string; owner: string; reason: string; expires: string };
}

export interface ExpiredWaiver {
  id?: string;
  rule: string;
  owner: string;
  expires: string;
  /** Set when the expired waiver matched a finding of this artifact (that finding now counts again). */
  matched: boolean;
}

/** The policy's answer for one artifact. */
export interface Decision {
  decision: Action;
  /** 0-100, see `risk-score.ts`. */
  riskScore: number;
  policy: { id: string; sha256: string };
  /** The scope of the policy that applied, or null for the top-level settings. */
  scope: string | null;
  reasons: Reason[];
  waived: WaivedFinding[];
  expiredWaivers: ExpiredWaiver[];
  /** The scan was incomplete (coverage issues), so the artifact could not be fully checked. */
  inconclusive: boolean;
}

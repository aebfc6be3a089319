import type { Action } from '../scanner/policy/types.js';
import type { Severity } from '../scanner/severity.js';
import type { Verdict } from '../scanner/verdict.js';

/** Why the gate could not decide on the model's merits (each one answers block, exit 2). */
export type GateErrorCode =
  | 'BAD_REFERENCE'
  | 'NOT_FOUND'
  | 'AMBIGUOUS'
  | 'AUTH'
  | 'FORBIDDEN'
  | 'UNAVAILABLE'
  | 'NETWORK'
  | 'BAD_RESPONSE'
  | 'UNSUPPORTED'
  | 'TIMEOUT'
  | 'EVIDENCE_WRITE_FAILED'
  | 'INTERNAL';

/** One reason of a gate answer: a finding, an unscanned part, a format or signature requirement, or an error. */
export interface GateReason {
  kind: 'finding' | 'inconclusive' | 'format' | 'unsigned' | 'error';
  action: Action;
  /** Rule id (finding), coverage code (inconclusive), format id (format) or error code (error). */
  rule_id?: string;
  severity?: Severity;
  /** The artifact (registry file reference or local path) the reason is about. */
  artifact?: string;
  member?: string;
  callable?: string;
  /** One line for users. */
  why: string;
}

export interface GateArtifact {
  name: string;
  sha256: string | null;
  size: number;
  verdict: Verdict;
}

/** The gate's answer for one model version: the `--format json` output and the body of `POST /v1/gate`. */
export interface GateOutcome {
  /** The reference as asked. */
  reference: string;
  /** The immutable version it resolved to (e.g. `hf://org/repo@<sha>`, `models:/fraud/3`), null when unresolved. */
  resolved: string | null;
  decision: Action;
  /** 0 allow/warn, 1 block on the model's merits, 2 cannot decide (fail closed). */
  exit_code: 0 | 1 | 2;
  risk_score: number;
  /** One line: the deciding reason. */
  summary: string;
  reasons: GateReason[];
  policy: { id: string; sha256: string };
  /** Signed evidence backing the answer: `id` is the envelope's SHA-256 (its ledger digest). */
  evidence: {
    id: string;
    seq: number;
    reused: boolean;
    recorded_at: string;
  } | null;
  /** Why earlier evidence was not reused (tampered, expired, other digests, ...), when there was a candidate. */
  evidence_rejected?: string;
  artifacts: GateArtifact[];
  bytes_scanned: number;
  error?: { code: GateErrorCode; message: string };
  checked_at: string;
}

import { decodeBase64 } from '../dsse/envelope.js';
import { EVIDENCE_LIMITS } from '../limits.js';
import type { SchemaCheck } from '../schemas/validate.js';
import { validateOutbound } from './validate-outbound.js';

/** Worst-case bytes of a JSON string of `points` code points (a control character escapes to 6) with its quotes. */
const str = (points: number): number => 6 * points + 2;
/** base64 grows bytes by 4/3. */
const b64 = (bytes: number): number => Math.ceil((bytes * 4) / 3) + 4;

/**
 * The per-artifact size bound for outbound evidence, derived from the statement schema's own limits (so it can
 * never reject a valid statement): a fixed part (envelope, signatures, predicate scalars) plus a part per artifact
 * (its subject and artifact entry), per finding and per issue. The inputs are counts, never artifact bytes: the
 * evidence for a 100 GB model has the same bound as for a 1 KB one. Findings and issues are capped per statement
 * (EVIDENCE_LIMITS), so each statement is bounded absolutely too.
 */
export const EGRESS_BODY_LIMITS = Object.freeze({
  /** Envelope JSON, up to 8 signatures, scanner/rules/policy/source/coverage scalars, timestamps. */
  fixedBytes:
    b64(8 * 1024 + 4 * str(EVIDENCE_LIMITS.maxNameLength) + 6 * str(EVIDENCE_LIMITS.maxIdLength)) +
    8 * 1200 +
    256,
  /** One subject ({name, digest.sha256}) and one artifact entry ({name, sha256, size, format, verdict, ...}). */
  perArtifactBytes: b64(
    2 * str(EVIDENCE_LIMITS.maxNameLength) + str(EVIDENCE_LIMITS.maxIdLength) + 2 * 66 + 256,
  ),
  /** One finding ({ruleId, severity, artifact, member, offset, callable}). */
  perFindingBytes: b64(
    2 * str(EVIDENCE_LIMITS.maxNameLength) +
      str(EVIDENCE_LIMITS.maxIdLength) +
      str(EVIDENCE_LIMITS.maxCallableLength) +
      160,
  ),
  /** One coverage issue ({artifact, member, code}). */
  perIssueBytes: b64(2 * str(EVIDENCE_LIMITS.maxNameLength) + str(EVIDENCE_LIMITS.maxIdLength) + 64),
});

export interface StatementCounts {
  artifacts: number;
  findings: number;
  issues: number;
}

/** Largest body allowed for a statement with these counts. */
export function outboundBodyLimit(c: StatementCounts): number {
  const L = EGRESS_BODY_LIMITS;
  return (
    L.fixedBytes +
    L.perArtifactBytes * Math.max(c.artifacts, 1) +
    L.perFindingBytes * c.findings +
    L.perIssueBytes * c.issues
  );
}

function countsOf(body: Buffer): StatementCounts | null {
  try {
    const env = JSON.parse(body.toString('utf8')) as { payload: string };
    const st = JSON.parse(decodeBase64(env.payload)!.toString('utf8')) as {
      subject: unknown[];
      predicate: { artifacts: unknown[]; findings: unknown[]; coverage: { issues: unknown[] } };
    };
    return {
      artifacts: Math.max(st.subject.length, st.predicate.artifacts.length),
      findings: st.predicate.findings.length,
      issues: st.predicate.coverage.issues.length,
    };
  } catch {
    return null;
  }
}

/**
 * Everything a body must pass before it may leave: the envelope and statement schemas (no extra fields, bounded
 * strings, no free-form blobs; `validateOutbound`) and the per-artifact size bound.
 */
export function checkOutboundBody(body: Buffer): SchemaCheck {
  const schema = validateOutbound(body);
  if (!schema.ok) return schema;
  const counts = countsOf(body);
  if (!counts) return { ok: false, error: 'statement counts unreadable' };
  const limit = outboundBodyLimit(counts);
  if (body.length > limit)
    return {
      ok: false,
      error: `envelope is ${body.length} bytes, over the bound of ${limit} for ${counts.artifacts} artifact(s)`,
    };
  return { ok: true };
}

import type { Severity } from '../../scanner/severity.js';
import type { Verdict } from '../../scanner/verdict.js';

export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const MODEL_SCAN_PREDICATE_TYPE = 'https://cavra.dev/attestations/model-scan/v1';

export type PolicyDecision = 'allow' | 'warn' | 'block';

/** The policy engine's result for one model version (structural type; the policy engine lives elsewhere). */
export interface DecisionInput {
  decision: PolicyDecision;
  riskScore: number;
  policy: { id: string; sha256: string };
}

/** What was scanned: one model version in a registry, or a local path. */
export interface SourceInput {
  /** e.g. `hf://org/repo@<commit>`, `mlflow://models/name/3`, or a local directory/file path. */
  reference: string;
  /** Registry kind, e.g. `huggingface`, `mlflow`, `sagemaker`, `wandb`, `local`. */
  registry?: string;
  /** The registry's own version id (commit sha, model version, ...). */
  version?: string;
  /** The registry's own digest of that version, if it has one (e.g. `sha256:...`). */
  digest?: string;
  /** Prefix of artifact paths that is the model root (for OpenSSF model-signing resource names). */
  modelRoot?: string;
  startedAt?: Date;
  finishedAt?: Date;
}

export interface Subject {
  name: string;
  digest: { sha256: string };
}

export interface PredicateArtifact {
  name: string;
  sha256: string | null;
  size: number;
  format: string;
  verdict: Verdict;
  complete: boolean;
  findings: number;
}

export interface PredicateFinding {
  ruleId: string;
  severity: Severity;
  /** Artifact (subject) name. */
  artifact: string;
  member?: string;
  offset?: number;
  /** Resolved callable name (e.g. `posix.system`), never argument values. */
  callable?: string;
}

export interface PredicateIssue {
  artifact: string;
  member: string;
  code: string;
}

export interface ModelScanPredicate {
  scanner: { name: string; version: string };
  rules: { version: string };
  policy: { id: string; sha256: string } | null;
  source: { reference: string; registry: string | null; version: string | null; digest: string | null };
  verdict: Verdict;
  decision: PolicyDecision | null;
  riskScore: number | null;
  coverage: {
    complete: boolean;
    scanned: number;
    data: number;
    unlisted: number;
    issues: PredicateIssue[];
    issuesOmitted: number;
  };
  artifacts: PredicateArtifact[];
  artifactsOmitted: number;
  findings: PredicateFinding[];
  findingsOmitted: number;
  startedOn: string;
  finishedOn: string;
}

export interface ModelScanStatement {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: Subject[];
  predicateType: typeof MODEL_SCAN_PREDICATE_TYPE;
  predicate: ModelScanPredicate;
}

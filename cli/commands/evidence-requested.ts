/** The evidence flags `scan` and `registry` share. */
export interface EvidenceFlags {
  key?: string;
  evidenceDir?: string;
  controlPlane?: string;
}

/** Evidence is opt-in: on when a signing key, evidence directory or control plane is given (flag or environment). */
export function evidenceRequested(opts: EvidenceFlags, env: NodeJS.ProcessEnv): boolean {
  return Boolean(
    opts.key ||
    opts.evidenceDir ||
    opts.controlPlane ||
    env.CAVRA_SIGNING_KEY ||
    env.CAVRA_EVIDENCE_DIR ||
    env.CAVRA_CONTROL_PLANE_URL,
  );
}

import type { Decision } from './decision.js';
import { DEFAULT_POLICY } from './load.js';

/** Environment variable naming the policy when `--policy` is not given. */
export const POLICY_ENV = 'CAVRA_SCAN_POLICY';

/** The policy reference to load: the `--policy` value, else `$CAVRA_SCAN_POLICY`, else `baseline`. */
export function policyFromEnv(option: string | undefined, env: NodeJS.ProcessEnv): string {
  return option || env[POLICY_ENV] || DEFAULT_POLICY;
}

/** The fields JSON / JSONL outputs add to each artifact result. */
export function decisionJson(d: Decision): {
  decision: Decision['decision'];
  risk_score: number;
  policy: Decision['policy'] & { scope: string | null };
  reasons: Decision['reasons'];
  waived: Decision['waived'];
  expired_waivers: Decision['expiredWaivers'];
} {
  return {
    decision: d.decision,
    risk_score: d.riskScore,
    policy: { ...d.policy, scope: d.scope },
    reasons: d.reasons,
    waived: d.waived,
    expired_waivers: d.expiredWaivers,
  };
}

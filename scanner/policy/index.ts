/** Policy as code: load a pack, derive scan options, decide allow / warn / block with a risk score. */
export {
  loadPolicy,
  bundledPolicyNames,
  bundledPolicyDir,
  DEFAULT_POLICY,
  type LoadPolicyOptions,
} from './load.js';
export { policyScanOptions, effectiveSettings } from './scan-options.js';
export { decide, DEFAULT_ACTIONS, type DecideOptions } from './decide.js';
export { exitCodeFor, blockRestsOnInconclusive, POLICY_EXIT } from './exit-code.js';
export { riskScore, SCORE_BANDS, INCONCLUSIVE_FLOOR } from './risk-score.js';
export { localScope, selectScope } from './scope.js';
export { policyFromEnv, POLICY_ENV, decisionJson } from './cli-support.js';
export type { Decision, Reason, ReasonKind, WaivedFinding, ExpiredWaiver } from './decision.js';
export type { Action, PolicyDocument, PolicyScope, ResolvedPolicy, Waiver } from './types.js';

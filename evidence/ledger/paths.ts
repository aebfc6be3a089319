import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$CAVRA_EVIDENCE_DIR`, else `$XDG_STATE_HOME/cavra-scan/evidence`, else `~/.local/state/cavra-scan/evidence`. */
export function defaultEvidenceDir(env: NodeJS.ProcessEnv): string {
  if (env.CAVRA_EVIDENCE_DIR) return env.CAVRA_EVIDENCE_DIR;
  const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(state, 'cavra-scan', 'evidence');
}

/** Files and folders inside an evidence directory. */
export const LEDGER_LAYOUT = Object.freeze({
  index: 'index.sqlite',
  records: 'records',
  keys: 'keys',
  orphans: 'orphans',
  head: 'head.json',
});

export const TMP_PREFIX = '.tmp-';

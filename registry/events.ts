import type { RunSummary } from './summary.js';

/** One line of the job's log (JSON on stderr when it is not a terminal). Names and counts only, never content. */
export type RunEvent =
  | {
      event: 'start';
      shard: string;
      registries: number;
      concurrency: number;
      dryRun: boolean;
      state: string | null;
    }
  | {
      event: 'artifact';
      reference: string;
      action: 'scanned' | 'skipped' | 'failed' | 'planned';
      bytes: number;
      verdict?: string;
      decision?: string;
      ms?: number;
    }
  | {
      event: 'version';
      reference: string;
      registry: string;
      decision: string;
      riskScore: number;
      artifacts: number;
      evidence: 'recorded' | 'unchanged' | 'off' | 'failed';
    }
  | { event: 'error'; reference: string; registry: string; code: string; message: string }
  | { event: 'summary'; summary: RunSummary };

export type EventSink = (e: RunEvent) => void;

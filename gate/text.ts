import type { GateOutcome } from './types.js';

/** `ALLOW|WARN|BLOCK <ref> risk=NN — reason`: the one line a pipeline log shows. */
export function outcomeLine(o: GateOutcome): string {
  const risk = String(Math.round(o.risk_score)).padStart(2, '0');
  return `${o.decision.toUpperCase()} ${o.resolved ?? o.reference} risk=${risk} — ${o.summary.replace(/[\r\n]+/g, ' ')}`;
}

/** Detail lines (stderr in the CLI): where the answer came from. */
export function outcomeNotes(o: GateOutcome): string[] {
  const notes: string[] = [];
  if (o.evidence)
    notes.push(
      `evidence ${o.evidence.id} (${o.evidence.reused ? `reused, recorded ${o.evidence.recorded_at}` : 'recorded'})`,
    );
  if (o.evidence_rejected) notes.push(`earlier evidence not reused: ${o.evidence_rejected}`);
  if (o.exit_code === 2) notes.push('cannot decide: blocking (fail closed)');
  return notes;
}

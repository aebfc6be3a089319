import type { Decision } from '../../scanner/policy/index.js';
import type { ArtifactResult } from '../../scanner/result.js';
import type { Verdict } from '../../scanner/verdict.js';
import { countVerdicts } from './summary.js';

const COLOR: Record<Verdict, string> = {
  clean: '32',
  suspicious: '33',
  malicious: '31;1',
  inconclusive: '35',
};

function paint(text: string, code: string, color: boolean): string {
  return color ? `\x1b[${code}m${text}\x1b[0m` : text;
}

export function humanSize(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** One row per file; findings and coverage issues indented below the files that have them. */
export function tableRows(r: ArtifactResult, color: boolean, d?: Decision): string {
  const verdict = paint(r.verdict.toUpperCase().padEnd(12), COLOR[r.verdict], color);
  const decision = d ? `${d.decision.padEnd(6)} ${String(d.riskScore).padStart(4)}  ` : '';
  const lines = [`${verdict} ${decision}${r.format.padEnd(18)} ${humanSize(r.size).padStart(9)}  ${r.path}`];
  for (const f of r.findings) {
    const where = [f.location.member, f.location.offset === undefined ? undefined : `@${f.location.offset}`]
      .filter(Boolean)
      .join(' ');
    lines.push(
      `    ${f.severity.padEnd(8)} ${f.ruleId}${where ? `  [${where}]` : ''}  ${f.message}${f.evidence ? ` (${f.evidence})` : ''}`,
    );
  }
  for (const i of r.coverage.issues) {
    lines.push(`    ${'not-checked'.padEnd(8)} ${i.code}${i.member ? `  [${i.member}]` : ''}  ${i.message}`);
  }
  return lines.join('\n') + '\n';
}

export function tableHeader(withDecision = true): string {
  const decision = withDecision ? `${'ACTION'.padEnd(6)} ${'RISK'.padStart(4)}  ` : '';
  return `${'VERDICT'.padEnd(12)} ${decision}${'FORMAT'.padEnd(18)} ${'SIZE'.padStart(9)}  PATH\n`;
}

export function tableSummary(results: readonly ArtifactResult[]): string {
  const c = countVerdicts(results);
  return `\n${c.files} file(s), ${humanSize(c.bytes)}: ${c.malicious} malicious, ${c.suspicious} suspicious, ${c.inconclusive} inconclusive, ${c.clean} clean; ${c.findings} finding(s)\n`;
}

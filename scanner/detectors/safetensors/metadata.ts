import type { DetectorContext } from '../../detector.js';
import { quoteName } from '../data/names.js';
import { SAFETENSORS_RULES } from './rules.js';

let compiled: { code: RegExp[]; url: RegExp[] } | undefined;

function patterns(): { code: RegExp[]; url: RegExp[] } {
  if (compiled) return compiled;
  const p = SAFETENSORS_RULES.doc.metadata_patterns;
  return (compiled = {
    code: p.code.map((s) => new RegExp(s, 'i')),
    url: p.url.map((s) => new RegExp(s, 'i')),
  });
}

/**
 * Look for code or URLs in `__metadata__` values. Findings name the metadata key only, never the value.
 * One finding per rule, listing the keys, so a large metadata block cannot flood the report.
 */
export function checkMetadata(metadata: ReadonlyMap<string, string>, ctx: DetectorContext): void {
  const { code, url } = patterns();
  const codeKeys: string[] = [];
  const urlKeys: string[] = [];
  for (const [key, value] of metadata) {
    if (code.some((r) => r.test(value))) codeKeys.push(key);
    else if (url.some((r) => r.test(value))) urlKeys.push(key);
  }
  if (codeKeys.length > 0) {
    SAFETENSORS_RULES.report(ctx, 'SAFETENSORS-METADATA-CODE', {
      message: `__metadata__ value looks like code: ${list(codeKeys)}`,
      evidence: `keys ${list(codeKeys)}`,
      offset: 8,
    });
  }
  if (urlKeys.length > 0) {
    SAFETENSORS_RULES.report(ctx, 'SAFETENSORS-METADATA-URL', {
      message: `__metadata__ value contains a URL: ${list(urlKeys)}`,
      evidence: `keys ${list(urlKeys)}`,
      offset: 8,
    });
  }
}

function list(keys: string[]): string {
  const shown = keys.slice(0, 8).map(quoteName).join(', ');
  return keys.length > 8 ? `${shown} and ${keys.length - 8} more` : shown;
}

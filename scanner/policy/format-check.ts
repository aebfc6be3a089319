import type { ArtifactResult } from '../result.js';
import type { Reason } from './decision.js';
import type { PolicySettings } from './types.js';

/**
 * Formats `require_formats` never rejects: containers (their members are checked themselves) and inert data
 * that cannot carry code.
 */
export const FORMAT_EXEMPT: ReadonlySet<string> = new Set([
  'zip',
  'tar',
  'gzip',
  'zlib',
  'bzip2',
  'xz',
  'lz4',
  '7z',
  'json',
  'text',
  'image',
  'empty',
]);

/** Reasons from `require_formats` / `deny_formats`, checked on the artifact and every object scanned inside it. */
export function formatReasons(
  result: Pick<ArtifactResult, 'format' | 'coverage'>,
  settings: Pick<PolicySettings, 'require_formats' | 'deny_formats'>,
  action: 'warn' | 'block',
  clause: (path: string[], value?: unknown) => string,
): Reason[] {
  const objects: { member: string; format: string }[] = [
    { member: '', format: result.format },
    ...result.coverage.scanned,
  ];
  const out: Reason[] = [];
  const seen = new Set<string>();
  const add = (
    kind: string,
    member: string,
    format: string,
    why: string,
    path: string[],
    value: unknown,
  ): void => {
    if (seen.has(`${kind}:${format}`)) return;
    seen.add(`${kind}:${format}`);
    out.push({
      kind: 'format',
      action,
      ruleId: format,
      ...(member ? { member } : {}),
      clause: `${clause(path, value)}; ${clause(['actions', 'format'], action)}`,
      why,
    });
  };
  const required = settings.require_formats;
  const denied = settings.deny_formats ?? [];
  for (const o of objects) {
    if (required && !FORMAT_EXEMPT.has(o.format) && !(required as string[]).includes(o.format)) {
      add(
        'require',
        o.member,
        o.format,
        `format ${o.format} is not one of the required formats`,
        ['require_formats'],
        required,
      );
    }
    if ((denied as string[]).includes(o.format))
      add('deny', o.member, o.format, `format ${o.format} is not allowed here`, ['deny_formats'], denied);
  }
  return out;
}

import type { Severity } from './severity.js';

/** SARIF result level of each severity (critical/high are errors: they make an artifact malicious). */
export const SARIF_LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = Object.freeze({
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
});

/** GitHub code scanning's `security-severity` (0-10) of each severity. */
export const SARIF_SECURITY_SEVERITY: Readonly<Record<Severity, string>> = Object.freeze({
  critical: '9.5',
  high: '8.0',
  medium: '5.0',
  low: '3.0',
  info: '1.0',
});

/**
 * A file path (relative, or absolute as given) as a SARIF URI. Registry references (`hf://org/repo@sha/f`) become
 * relative paths (`hf/org/repo@sha/f`): code scanning accepts only relative or file URIs.
 */
export function sarifUri(path: string): string {
  const p = path
    .replace(/\\/g, '/')
    .replace(/^\.\//, '')
    .replace(/^([a-z][a-z0-9+.-]*):\/{1,2}/i, '$1/');
  return p.split('/').map(encodeURIComponent).join('/');
}

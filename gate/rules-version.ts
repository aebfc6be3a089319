import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scannerVersion } from '../evidence/scanner-info.js';
import { packageRoot } from '../scanner/rules/package-root.js';

let cached: string | undefined;

/**
 * The rules version stamped into evidence: the scanner version plus a digest of every `rules/*.yaml`, so a changed
 * rule (or a new scanner) never reuses evidence made under the old knowledge.
 */
export function rulesVersion(): string {
  if (cached) return cached;
  const dir = join(packageRoot(), 'rules');
  const hash = createHash('sha256');
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.yaml'))
    .sort()) {
    hash
      .update(name)
      .update('\0')
      .update(readFileSync(join(dir, name)))
      .update('\0');
  }
  cached = `${scannerVersion()}+rules.${hash.digest('hex').slice(0, 16)}`;
  return cached;
}

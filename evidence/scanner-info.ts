import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../scanner/rules/package-root.js';

let version: string | undefined;

/** The cavra-scan package version (read once from package.json). */
export function scannerVersion(): string {
  version ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
  return version;
}

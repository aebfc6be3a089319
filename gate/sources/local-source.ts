import { resolve } from 'node:path';
import { scanPaths } from '../../scanner/local/scan-paths.js';
import { localScope } from '../../scanner/policy/scope.js';
import type { ModelSource } from '../ports.js';

/**
 * A local file or directory. There is no registry metadata to check evidence against without reading the files,
 * so local models are always scanned (fingerprint null: never reused), and their evidence is still recorded.
 */
export function localSource(path: string): ModelSource {
  return {
    resolve() {
      return Promise.resolve({
        reference: resolve(path),
        registry: 'local',
        version: null,
        artifacts: [],
        fingerprint: null,
        scope: localScope(path),
      });
    },
    scan(_model, options) {
      return scanPaths([path], options);
    },
    close: () => Promise.resolve(),
  };
}

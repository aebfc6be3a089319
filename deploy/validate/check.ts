import { apiServerRuleErrors, schemaErrors } from './kube-schema.js';
import type { KObject } from './objects.js';

/** Schema + API-server rule errors for a whole rendered set. */
export function validationErrors(objects: readonly KObject[]): string[] {
  return objects.flatMap((o) => [...schemaErrors(o), ...apiServerRuleErrors(o)]);
}

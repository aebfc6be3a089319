import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as parsed from YAML (plain JSON data). */
export type KObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string } & Record<string, unknown>;
} & Record<string, unknown>;

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parse a multi-document YAML stream into objects. YAML 1.1 is used, as Kubernetes' own decoder (go-yaml)
 * does, so `0440` means octal here too; empty documents are skipped. Throws on any YAML error.
 */
export function parseManifests(text: string, origin: string): KObject[] {
  const out: KObject[] = [];
  for (const doc of parseAllDocuments(text, { version: '1.1', uniqueKeys: true })) {
    if (doc.errors.length > 0) throw new Error(`${origin}: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isRecord(value) || typeof value['kind'] !== 'string' || typeof value['apiVersion'] !== 'string') {
      throw new Error(`${origin}: a document is not a Kubernetes object (apiVersion and kind required)`);
    }
    const meta = value['metadata'];
    if (!isRecord(meta) || typeof meta['name'] !== 'string')
      throw new Error(`${origin}: ${value['kind']} without metadata.name`);
    out.push(value as KObject);
  }
  return out;
}

/** `Kind/name` — how tests and messages name an object. */
export function objectId(o: KObject): string {
  return `${o.kind}/${o.metadata.name}`;
}

export function deepClone<T>(v: T): T {
  return structuredClone(v);
}

/** The value at a path of keys/indexes, or undefined when any step is missing. */
export function at(v: unknown, ...path: (string | number)[]): unknown {
  let cur: unknown = v;
  for (const p of path) {
    if (typeof p === 'number') cur = Array.isArray(cur) ? cur[p] : undefined;
    else cur = isRecord(cur) ? cur[p] : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** What a verified MLflow webhook delivery asks of the gate. */
export type WebhookJob =
  | { kind: 'gate'; event: string; name: string; version: string; reference: string; alias?: string }
  | { kind: 'ignore'; event: string; reason: string }
  | { kind: 'invalid'; reason: string };

/** Prefix of the tags the gate writes back; tag events for these keys are ignored (no feedback loop). */
export const WRITEBACK_TAG_PREFIX = 'cavra.';
/** Events the gate acts on. */
export const GATED_EVENTS: readonly string[] = ['model_version_alias.created', 'model_version_tag.set'];

const str = (v: unknown, max: number): string | undefined =>
  typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined;

/**
 * Read an MLflow webhook payload (`{entity, action, timestamp, data}`, mlflow/webhooks/types.py):
 * `model_version_alias.created` (data: name, alias, version) and `model_version_tag.set` (data: name, version, key,
 * value) gate `models:/<name>/<version>`; every other event is acknowledged and ignored.
 */
export function webhookJob(doc: Record<string, unknown>): WebhookJob {
  const entity = str(doc.entity, 64);
  const action = str(doc.action, 64);
  if (!entity || !action) return { kind: 'invalid', reason: 'payload has no entity/action' };
  const event = `${entity}.${action}`;
  if (!GATED_EVENTS.includes(event)) return { kind: 'ignore', event, reason: `event ${event} is not gated` };
  const data = doc.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    return { kind: 'invalid', reason: 'payload has no data object' };
  const d = data as Record<string, unknown>;
  const name = str(d.name, 256);
  const version = typeof d.version === 'number' ? String(d.version) : str(d.version, 12);
  if (!name || !version || !/^\d{1,10}$/.test(version))
    return { kind: 'invalid', reason: 'data needs a model name and a numeric version' };
  if (event === 'model_version_tag.set') {
    const key = str(d.key, 256);
    if (!key) return { kind: 'invalid', reason: 'tag event without a key' };
    if (key.startsWith(WRITEBACK_TAG_PREFIX))
      return { kind: 'ignore', event, reason: `tag ${key} is the gate's own` };
  }
  const alias = event === 'model_version_alias.created' ? str(d.alias, 256) : undefined;
  return {
    kind: 'gate',
    event,
    name,
    version,
    reference: `models:/${encodeURIComponent(name)}/${version}`,
    ...(alias ? { alias } : {}),
  };
}

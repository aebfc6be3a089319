/** Writes the gate's answer back onto the model version (MLflow REST `model-versions/set-tag`). */
export interface TagWriter {
  setTags(name: string, version: string, tags: Readonly<Record<string, string>>): Promise<void>;
}

export interface MlflowTagWriterOptions {
  /** `MLFLOW_TRACKING_URI` (http or https). */
  trackingUri: string;
  /** `MLFLOW_TRACKING_TOKEN` (Bearer), or username/password (Basic). */
  token?: string;
  username?: string;
  password?: string;
  timeoutMs?: number;
}

/** Longest tag value written (MLflow allows 5000 characters for model version tag values). */
export const MAX_TAG_VALUE = 5000;

/**
 * `POST {tracking}/api/2.0/mlflow/model-versions/set-tag` with `{name, version, key, value}` per tag, using the
 * platform fetch (undici). Throws on any non-2xx answer so the caller can count and report it.
 */
export function mlflowTagWriter(options: MlflowTagWriterOptions): TagWriter {
  const base = new URL(options.trackingUri);
  if (base.protocol !== 'https:' && base.protocol !== 'http:')
    throw new Error(`MLflow tracking URI must be http(s), got ${base.protocol}`);
  const endpoint = new URL(
    'api/2.0/mlflow/model-versions/set-tag',
    base.href.endsWith('/') ? base.href : `${base.href}/`,
  );
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  else if (options.username)
    headers.authorization = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
  return {
    async setTags(name, version, tags) {
      for (const [key, value] of Object.entries(tags)) {
        const res = await fetch(endpoint, {
          method: 'POST',
          headers,
          body: JSON.stringify({ name, version, key, value: value.slice(0, MAX_TAG_VALUE) }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) throw new Error(`set-tag ${key} on ${name}/${version}: HTTP ${res.status}`);
      }
    },
  };
}

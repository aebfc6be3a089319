import { ConnectorError } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import { PageGuard } from '../paths.js';
import type { Connection } from './queries.js';

/** Largest page asked for; most pages followed in one connection. */
export const WANDB_PAGE = 100;
export const WANDB_MAX_PAGES = 10_000;

/** POST one GraphQL operation; GraphQL errors (HTTP 200 with `errors`) become ConnectorErrors. */
export async function graphql<T>(
  http: HttpClient,
  url: string,
  operationName: string,
  query: string,
  variables: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<T> {
  const body = await http.json<{ data?: T | null; errors?: { message?: string }[] }>(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ operationName, query, variables }),
    idempotent: true,
    signal,
  });
  if (body.errors?.length) {
    const message = body.errors
      .map((e) => String(e.message ?? ''))
      .join('; ')
      .slice(0, 300);
    throw new ConnectorError(
      /not found|does not exist/i.test(message) ? 'NOT_FOUND' : 'BAD_RESPONSE',
      `${operationName}: ${message}`,
    );
  }
  if (!body.data || typeof body.data !== 'object')
    throw new ConnectorError('BAD_RESPONSE', `${operationName}: no data`);
  return body.data;
}

/** Follow a Relay connection; `pick` returns it from a response (null when its parent does not exist). */
export async function* relay<R, E>(
  fetchPage: (cursor: string | undefined) => Promise<R>,
  pick: (r: R) => Connection<E> | null | undefined,
  what: string,
): AsyncGenerator<E> {
  const cursors = new PageGuard(`${what} cursors`, WANDB_MAX_PAGES);
  let cursor: string | undefined;
  for (;;) {
    const conn = pick(await fetchPage(cursor));
    if (!conn) throw new ConnectorError('NOT_FOUND', `${what}: not found`);
    if (!Array.isArray(conn.edges) || !conn.pageInfo)
      throw new ConnectorError('BAD_RESPONSE', `${what}: malformed connection`);
    yield* conn.edges;
    if (!conn.pageInfo.hasNextPage || !conn.pageInfo.endCursor) return;
    cursor = conn.pageInfo.endCursor;
    cursors.add(cursor);
  }
}

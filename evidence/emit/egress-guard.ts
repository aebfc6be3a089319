import { Agent, buildConnector, fetch as undiciFetch, type Dispatcher } from 'undici';
import { egressDenied } from './egress-denied.js';
import type { EgressDestination, EgressPolicy } from './egress-policy.js';

export { egressDenied } from './egress-denied.js';

function destinationOf(origin: string | URL | undefined): EgressDestination {
  if (origin === undefined) return { protocol: undefined, hostname: undefined, port: undefined };
  try {
    const u = typeof origin === 'string' ? new URL(origin) : origin;
    return { protocol: u.protocol, hostname: u.hostname, port: u.port };
  } catch {
    return { protocol: undefined, hostname: undefined, port: undefined };
  }
}

/**
 * An undici interceptor that refuses every request whose origin is not on the allowlist: the request fails with
 * CavraError EGRESS_DENIED and is never handed to the pool, so no connection is made. Redirects followed by
 * `fetch` are dispatched again and checked again.
 */
export function egressInterceptor(policy: EgressPolicy): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) =>
    function egressGuard(opts, handler) {
      const decision = policy.check(destinationOf(opts.origin));
      if (decision.allowed) return dispatch(opts, handler);
      // compose() hands interceptors the controller-style handler API (as undici's own dns interceptor uses it).
      (handler as { onResponseError(controller: unknown, err: Error): void }).onResponseError(
        null,
        egressDenied(decision.reason, `${opts.method} request`),
      );
      return true;
    };
}

/**
 * undici's `connect` option with the allowlist checked first: the last gate before `net.connect`/`tls.connect`
 * (belt and braces behind the interceptor, e.g. for dispatchers built without it).
 */
export function guardedConnector(
  policy: EgressPolicy,
  tls: buildConnector.BuildOptions = {},
): buildConnector.connector {
  const connect = buildConnector(tls);
  return (opts, callback) => {
    const decision = policy.check({ protocol: opts.protocol, hostname: opts.hostname, port: opts.port });
    if (!decision.allowed) {
      callback(egressDenied(decision.reason, 'connection'), null);
      return;
    }
    connect(opts, callback);
  };
}

export interface EgressAgentOptions extends Omit<Agent.Options, 'connect'> {
  /** TLS/socket options for the connector (CA bundle, client certificate, timeout). */
  connect?: buildConnector.BuildOptions;
}

/** A dispatcher that can only reach the allowlist: an Agent with a guarded connector, composed with the interceptor. */
export function createEgressAgent(policy: EgressPolicy, options: EgressAgentOptions = {}): Dispatcher {
  const { connect, ...rest } = options;
  return new Agent({ ...rest, connect: guardedConnector(policy, connect ?? {}) }).compose(
    egressInterceptor(policy),
  );
}

/** Guard an existing dispatcher (a ProxyAgent, an EnvHttpProxyAgent, a test MockAgent) with the interceptor. */
export function guardDispatcher(dispatcher: Dispatcher, policy: EgressPolicy): Dispatcher {
  return dispatcher.compose(egressInterceptor(policy));
}

/** A `fetch` bound to a guarded dispatcher, for libraries that take a fetch function. */
export function guardedFetch(dispatcher: Dispatcher): typeof undiciFetch {
  return ((input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) =>
    undiciFetch(input, { ...init, dispatcher })) as typeof undiciFetch;
}

import type { EgressPolicy } from './egress-policy.js';
import { egressDenied } from './egress-denied.js';

/**
 * The AWS SDK v3 pieces the guard touches, typed structurally so this file does not depend on the SDK's internal
 * `@smithy/*` packages: an HTTP request (protocol, hostname, port) and a client's middleware stack.
 */
export interface AwsHttpRequestLike {
  protocol?: string;
  hostname?: string;
  port?: number;
}

export type AwsHandler = (args: { request: unknown }) => Promise<unknown>;
export type AwsMiddleware = (next: AwsHandler) => AwsHandler;

/** Any SDK v3 client (its `add` is typed with the SDK's own generics, so only its presence is checked here). */
export interface AwsClientLike {
  middlewareStack: { add(...args: never[]): unknown };
}

type AddMiddleware = (middleware: AwsMiddleware, options: typeof AWS_EGRESS_MIDDLEWARE) => unknown;

/** Where the middleware sits: innermost in the last step, after endpoint resolution, signing and each retry. */
export const AWS_EGRESS_MIDDLEWARE = Object.freeze({
  step: 'deserialize',
  name: 'cavraEgressGuard',
  priority: 'low',
  override: true,
});

function check(policy: EgressPolicy, request: unknown): void {
  const r = (request ?? {}) as AwsHttpRequestLike;
  const decision = policy.check({ protocol: r.protocol, hostname: r.hostname, port: r.port });
  if (!decision.allowed) throw egressDenied(decision.reason, 'AWS SDK request');
}

/** Middleware that throws CavraError EGRESS_DENIED for a request to a host that is not on the allowlist. */
export function awsEgressMiddleware(policy: EgressPolicy): AwsMiddleware {
  return (next) => async (args) => {
    check(policy, args.request);
    return next(args);
  };
}

/** Add the guard to an SDK client (`S3Client`, `SageMakerClient`); returns the client. */
export function guardAwsClient<C extends AwsClientLike>(client: C, policy: EgressPolicy): C {
  (client.middlewareStack.add as unknown as AddMiddleware).call(
    client.middlewareStack,
    awsEgressMiddleware(policy),
    AWS_EGRESS_MIDDLEWARE,
  );
  return client;
}

/** A request handler (`NodeHttpHandler` or any `{ handle }`) that checks each request before handing it on. */
export interface AwsRequestHandlerLike {
  handle(request: unknown, options?: unknown): Promise<unknown>;
}

/**
 * Wrap a request handler (the SDK's `requestHandler` client option): the check runs in the handler itself, so it
 * also covers middleware added after ours. Other members (destroy, config updates) are passed through.
 */
export function guardAwsRequestHandler<H extends AwsRequestHandlerLike>(handler: H, policy: EgressPolicy): H {
  return new Proxy(handler, {
    get(target, key, receiver) {
      if (key === 'handle') {
        return (request: unknown, options?: unknown) => {
          try {
            check(policy, request);
          } catch (err) {
            return Promise.reject(err);
          }
          return target.handle(request, options);
        };
      }
      const v = Reflect.get(target, key, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

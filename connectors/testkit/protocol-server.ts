import type { IncomingMessage, ServerResponse } from 'node:http';
import { TestServer, type RequestContext } from './server.js';

/** A registry test server on one loopback origin: a TestServer whose requests go to the subclass's `serve`. */
export abstract class ProtocolServer<O> {
  protected constructor(
    readonly http: TestServer,
    readonly options: O,
  ) {}

  /** Start the origin, then build the server object that answers it (requests only arrive after both). */
  protected static async launch<S extends ProtocolServer<unknown>>(
    make: (http: TestServer) => S,
  ): Promise<S> {
    const box: { self?: S } = {};
    const http = await TestServer.start((req, res, ctx) => box.self!.serve(req, res, ctx));
    box.self = make(http);
    return box.self;
  }

  get url(): string {
    return this.http.url;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  protected abstract serve(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): void;
}

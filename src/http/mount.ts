import type { OpenAPIHono, RouteConfig, RouteConfigToTypedResponse } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { ZodError } from 'zod';
import type { AppEnv } from './access.ts';
import { validationError } from './schemas.ts';

/**
 * Mount a route whose body fixpath reads itself (byte limits named for their setting, the
 * streaming HAR reader, the JSON depth limit) rather than through the route's validator: it is
 * documented and routed from its definition like every other, and its handler validates the body
 * with the definition's own schema.
 */
export function mountReadingItsBody<R extends RouteConfig & { getRoutingPath(): string }>(
  app: OpenAPIHono<AppEnv>,
  route: R,
  handler: (c: Context<AppEnv>) => Promise<RouteConfigToTypedResponse<R>>,
  ...middleware: MiddlewareHandler<AppEnv>[]
): void {
  app.openAPIRegistry.registerPath(route);
  const on = app.on.bind(app) as (method: string, path: string, ...handlers: MiddlewareHandler<AppEnv>[]) => void;
  on(
    route.method.toUpperCase(),
    route.getRoutingPath(),
    ...middleware,
    handler as unknown as MiddlewareHandler<AppEnv>,
  );
}

/** The validation hook of a route: an invalid query or path is a 422 problem that points at each error. */
export function refuseInvalid(what: string) {
  return (result: { success: true } | { success: false; error: ZodError }): undefined => {
    if (!result.success) throw validationError(result.error, what);
    return undefined;
  };
}

import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { BEARER_AUTH } from './routes.ts';

export const API_VERSION = '0.1.0';

/**
 * The OpenAPI 3.1 document of the routes registered in `routes` (the app registers each route
 * from its `createRoute` definition as it mounts it), with the bearer scheme agents sign in with.
 */
export function buildOpenApiDocument(routes: OpenAPIRegistry): Record<string, unknown> {
  const registry = new OpenAPIRegistry([routes]);
  registry.registerComponent('securitySchemes', BEARER_AUTH, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      "A support agent's access token from the identity provider (AUTH_JWKS_URL) or signed with AUTH_JWT_SECRET; it must carry the agent role. Without a token a caller is the public: customers through the widget.",
  });
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'fixpath API',
      version: API_VERSION,
      description:
        'Names the root cause of API authentication and authorization failures and returns the steps that fix it.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'The API is served at the root of wherever fixpath runs.' }],
    // A token is optional everywhere: agents send one to see internal articles; `/v1/me` requires it.
    security: [{}, { [BEARER_AUTH]: [] }],
    tags: [
      { name: 'Diagnosis', description: 'From what a person has to the cause and the steps that fix it.' },
      { name: 'Articles', description: 'The knowledge base: search, read, rate.' },
      { name: 'Agents', description: 'Signed-in support agents.' },
      { name: 'Pages', description: 'HTML pages and browser scripts.' },
      { name: 'Service', description: 'Health and this document.' },
    ],
  }) as unknown as Record<string, unknown>;
}

import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** Where the interactive API documentation is served. */
export const docsPath = '/docs';

/**
 * The Content-Security-Policy of the docs pages: Swagger UI's scripts, styles and images come from this
 * service, it fetches the document from here, and nothing may load from anywhere else, be framed, or
 * post a form. No inline script at all; the one inline style is the `<style>` element the Swagger UI
 * bundle inserts while it renders, allowed by its hash (Chromium's CSP report named it). A new Swagger UI
 * may insert another: test/integration/docsPage.test.ts loads the page in Chromium and fails on any
 * CSP violation, naming the hash to add.
 */
export const docsContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  // swagger-ui-dist 5.34.0 (in @fastify/swagger-ui 6.1.3)
  "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Swagger UI at /docs, its assets served from the swagger-ui-dist files shipped inside @fastify/swagger-ui
 * (no CDN: it works with no internet). Its routes and its CSP hook live in a plugin scope of their own,
 * so nothing of it runs on the API's routes. Needs registerOpenApi first.
 */
export async function registerDocsPage(app: FastifyInstance): Promise<void> {
  await app.register(swaggerUi, {
    routePrefix: docsPath,
    staticCSP: docsContentSecurityPolicy,
    logLevel: 'warn',
    theme: { title: 'Ingest service API' },
    uiConfig: {
      deepLinking: true,
      displayOperationId: true,
      defaultModelsExpandDepth: 1,
      tryItOutEnabled: false,
    },
  });
}

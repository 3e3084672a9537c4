import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { sendProblem } from '../api/problem.js';
import type { AdminAccess, AdminAccessMode } from '../admin/adminAccess.js';
import { closedDashboardPage } from './closedPage.js';

/** What the dashboard needs. */
export interface UiRouteOptions {
  access: AdminAccess;
  /** The port the service listens on, for the closed page's instructions. */
  port: number;
  /** Whether ADMIN_TOKEN is set: the token prompt then names it beside an admin key. */
  adminTokenSet: boolean;
}

/** What the token prompt asks for, by how the admin API is protected. */
function tokenHint(mode: AdminAccessMode, adminTokenSet: boolean): string {
  if (mode === 'keys') {
    return (
      'This service wants an admin key (npm run keys -- create --kind admin)' +
      (adminTokenSet ? ' or its ADMIN_TOKEN.' : '.')
    );
  }
  return 'This service requires its ADMIN_TOKEN.';
}

/**
 * The page runs only its own script and style and talks only to this origin; nothing is inlined, so a
 * value that slipped into the markup could not run. The page writes every value with textContent.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const staticDir = new URL('./static/', import.meta.url);
const scripts = [
  'app',
  'api',
  'chart',
  'dom',
  'job',
  'jobId',
  'jobs',
  'live',
  'overview',
  'tenants',
  'webhooks',
  'workers',
];
// Read once at start: a few small files, and no path from a request ever reaches the file system.
const assets = new Map(
  [
    ['index.html', 'text/html; charset=utf-8'],
    ['style.css', 'text/css; charset=utf-8'],
    ['widgets.css', 'text/css; charset=utf-8'],
    ...scripts.map((name) => [`${name}.js`, 'text/javascript; charset=utf-8']),
  ].map(([file, type]) => [file!, { type: type!, body: readFileSync(new URL(file!, staticDir)) }]),
);

/**
 * The jobs dashboard at /ui: one static page and its assets, served by the API process with no CDN. The
 * page reads everything through the admin API, so it holds no data and needs the same token.
 */
export const uiRoutes: FastifyPluginAsync<UiRouteOptions> = async (app, options) => {
  app.addHook('onRequest', async (request, reply) => {
    reply
      .header('content-security-policy', contentSecurityPolicy)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache');
    const refusal = options.access.refusesPages(request.headers);
    // The closed page's own style sheet: a static file that holds nothing about the service.
    if (!refusal || request.url === '/ui/assets/style.css') return;
    if (request.headers.accept?.includes('text/html')) {
      return reply
        .code(refusal.status)
        .type('text/html; charset=utf-8')
        .send(closedDashboardPage(refusal, options.access.mode, options.port));
    }
    return sendProblem(request, reply, refusal);
  });

  const page = {
    type: 'text/html; charset=utf-8',
    body: assets
      .get('index.html')!
      .body.toString()
      .replace('{{tokenHint}}', tokenHint(options.access.mode, options.adminTokenSet)),
  };
  const send = (file: string) => {
    const asset = file === 'index.html' ? page : assets.get(file)!;
    return async (_request: unknown, reply: FastifyReply) => reply.type(asset.type).send(asset.body);
  };
  const hide = { schema: { hide: true } };
  app.get('/ui', hide, send('index.html'));
  app.get('/ui/', hide, send('index.html'));
  app.get('/ui/jobs', hide, send('index.html'));
  app.get('/ui/jobs/:jobId', hide, send('index.html'));
  app.get('/ui/tenants', hide, send('index.html'));
  app.get('/ui/workers', hide, send('index.html'));
  app.get<{ Params: { file: string } }>('/ui/assets/:file', hide, async (request, reply) => {
    const asset = assets.get(request.params.file);
    if (!asset || request.params.file === 'index.html') {
      return sendProblem(request, reply, {
        status: 404,
        title: 'Not found',
        detail: `The dashboard has no asset ${request.params.file}.`,
      });
    }
    return reply.type(asset.type).send(asset.body);
  });
};

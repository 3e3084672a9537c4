import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { sendProblem } from '../api/problem.js';
import type { AdminAccess } from '../admin/adminAccess.js';

/** What the dashboard needs. */
export interface UiRouteOptions {
  access: AdminAccess;
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
// Read once at start: six small files, and no path from a request ever reaches the file system.
const assets = new Map(
  [
    ['index.html', 'text/html; charset=utf-8'],
    ['app.js', 'text/javascript; charset=utf-8'],
    ['chart.js', 'text/javascript; charset=utf-8'],
    ['dom.js', 'text/javascript; charset=utf-8'],
    ['webhooks.js', 'text/javascript; charset=utf-8'],
    ['style.css', 'text/css; charset=utf-8'],
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
    const refusal = options.access.refusesPages();
    if (refusal) return sendProblem(request, reply, refusal);
  });

  const send = (file: string) => {
    const asset = assets.get(file)!;
    return async (_request: unknown, reply: FastifyReply) => reply.type(asset.type).send(asset.body);
  };
  const hide = { schema: { hide: true } };
  app.get('/ui', hide, send('index.html'));
  app.get('/ui/', hide, send('index.html'));
  app.get('/ui/jobs', hide, send('index.html'));
  app.get('/ui/jobs/:jobId', hide, send('index.html'));
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

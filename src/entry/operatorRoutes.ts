import type { FastifyInstance } from 'fastify';
import { AdminAccess } from '../admin/adminAccess.js';
import { adminRoutes } from '../admin/adminRoutes.js';
import { webhookRoutes } from '../admin/webhookRoutes.js';
import type { ApiKeyAuthenticator } from '../auth/keyAuthenticator.js';
import type { Config } from '../config/config.js';
import type { Pool } from '../data/pool.js';
import { uiRoutes } from '../ui/uiRoutes.js';

/**
 * The admin API and the dashboard, for buildApp's extraRoutes. Returns how they are protected, for the
 * start-up log. With AUTH_MODE=keys (an `authenticator`), admin keys open them.
 */
export function operatorRoutes(config: Config, pool: Pool, authenticator?: ApiKeyAuthenticator) {
  const access = new AdminAccess(config.admin, config.http.host, authenticator);
  return {
    access,
    async register(app: FastifyInstance) {
      await app.register(adminRoutes, { pool, access, readOnly: config.admin.readOnly });
      await app.register(webhookRoutes, {
        pool,
        access,
        readOnly: config.admin.readOnly,
        allowPrivateUrls: config.webhooks.allowPrivateUrls,
      });
      await app.register(uiRoutes, {
        access,
        port: config.http.port,
        adminTokenSet: config.admin.token !== undefined,
      });
    },
  };
}

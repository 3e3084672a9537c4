import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/logger.js';
import type { MetricsRegistry } from '../metrics/metricsRegistry.js';
import type { Running } from './services.js';

/** A started metrics endpoint. */
export interface MetricsServer extends Running {
  /** The port it listens on (the one asked for, or the one the system chose for port 0). */
  port: number;
}

/**
 * Serves the registry at GET /metrics on its own port, for a worker process, which has no HTTP API. Plain
 * node:http: a worker does not load the API's HTTP stack for one route.
 */
export async function startMetricsServer(
  metrics: MetricsRegistry,
  host: string,
  port: number,
  logger: Logger,
): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    const path = request.url?.split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics is served here.\n');
      return;
    }
    metrics.exposition().then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'content-type': contentType });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'metrics exposition failed');
        response
          .writeHead(500, { 'content-type': 'text/plain' })
          .end('The metrics could not be collected.\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `METRICS_PORT ${port} is already in use on ${host}: give each worker process on this host its ` +
                'own METRICS_PORT (0 picks a free one), or set METRICS_ENABLED=false.',
            )
          : error,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  logger.info({ host, port: actualPort }, `metrics at http://${host}:${actualPort}/metrics`);
  return {
    port: actualPort,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

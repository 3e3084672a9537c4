import { Gauge, type Registry } from 'prom-client';

/** What the gauges read from a node-postgres pool (pg.Pool has these three counts). */
export interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * Gauges of the database pools' connections in use and idle, and of the queries waiting for one; read
 * from the pools at each scrape. `pool` is a label with one value per pool of the process (api,
 * api_health, worker), never per connection.
 */
export function createPoolMetrics(registry: Registry): (name: string, pool: PoolCounts) => void {
  const pools = new Map<string, PoolCounts>();
  new Gauge({
    name: 'ingest_db_pool_connections',
    help: 'Database connections of the process by pool and state: in_use (running a query or held by a transaction) or idle.',
    labelNames: ['pool', 'state'],
    registers: [registry],
    collect() {
      for (const [name, pool] of pools) {
        this.labels(name, 'in_use').set(pool.totalCount - pool.idleCount);
        this.labels(name, 'idle').set(pool.idleCount);
      }
    },
  });
  new Gauge({
    name: 'ingest_db_pool_waiting_queries',
    help: 'Queries waiting for a free connection of the pool (the pool is at its maximum size).',
    labelNames: ['pool'],
    registers: [registry],
    collect() {
      for (const [name, pool] of pools) this.labels(name).set(pool.waitingCount);
    },
  });
  return (name, pool) => {
    pools.set(name, pool);
  };
}

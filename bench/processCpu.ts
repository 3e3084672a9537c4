// CPU time of local processes, from /proc: steadier than throughput on a shared machine.
import { readFileSync } from 'node:fs';
import type pg from 'pg';

const ticksPerSecond = 100; // getconf CLK_TCK on Linux

/** User + system CPU seconds a live process has used; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after "pid (comm) ".
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds so far of each PostgreSQL backend serving `applicationName` on the bench's database
 * (the server runs on this machine), by backend pid.
 */
export async function backendCpuSeconds(client: pg.Client, applicationName: string) {
  const { rows } = await client.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
    [applicationName],
  );
  return new Map(rows.map((row) => [row.pid, cpuSeconds(row.pid)]));
}

/**
 * Follows the CPU of every PostgreSQL backend whose application_name is LIKE `pattern` (on the bench's
 * database) from now until stop(), reading /proc every `intervalMs`: a backend that connects meanwhile
 * counts from its start, and one that exits meanwhile keeps its last reading instead of vanishing from
 * the sum. stop() returns the CPU seconds they used in between and how many backends took part.
 */
export async function followBackendCpu(client: pg.Client, pattern: string, intervalMs = 200) {
  const read = async () => {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE $1',
      [pattern],
    );
    for (const { pid } of rows) {
      const seconds = cpuSeconds(pid);
      if (seconds > 0 || !latest.has(pid)) latest.set(pid, seconds);
    }
  };
  const latest = new Map<number, number>();
  await read();
  const before = new Map(latest);
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      if (!stopped) await read();
    }
  })();
  return {
    async stop(): Promise<{ cpuSeconds: number; backends: number }> {
      stopped = true;
      await loop;
      await read();
      let sum = 0;
      for (const [pid, seconds] of latest) sum += seconds - (before.get(pid) ?? 0);
      return { cpuSeconds: sum, backends: latest.size };
    },
  };
}

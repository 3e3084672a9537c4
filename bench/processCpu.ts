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

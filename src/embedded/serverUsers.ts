import { mkdirSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Several processes of one checkout may use one embedded server: a second `npm start` (on another PORT,
// or one that fails to listen), `npm run keys` beside `npm start`. The server is stopped by the last of
// them to leave, never under one still using it. Each user is a file named by its pid in a directory
// beside the data directory: one file per process needs no locking, and a user that was killed leaves
// a file whose pid is gone, which the next look skips.

/** Whether a process with this pid runs (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's process.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The processes using the embedded server whose data is in `dataDir`, recorded beside it. */
export class ServerUsers {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = `${dataDir}.users`;
  }

  /** Records this process as a user. Done before the server is looked for, so no last user misses it. */
  join(): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, String(process.pid)), '');
  }

  /** Removes this process; returns the pids of the other live users (stale records are removed). */
  leave(): number[] {
    rmSync(join(this.dir, String(process.pid)), { force: true });
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const others: number[] = [];
    for (const name of names) {
      const pid = Number(name);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) others.push(pid);
      else rmSync(join(this.dir, name), { force: true });
    }
    if (others.length === 0) {
      try {
        rmdirSync(this.dir);
      } catch {
        // A user joined meanwhile: its record stays.
      }
    }
    return others;
  }
}

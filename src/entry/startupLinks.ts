import type { AdminAccessMode } from '../admin/adminAccess.js';
import { localUrl, type ListenAddress } from '../config/listenAddress.js';

/** What opens the dashboard in each admin access mode, said next to its link. */
const dashboardNeeds: Record<AdminAccessMode, string> = {
  loopback: '',
  token: ' (with the ADMIN_TOKEN)',
  keys: ' (with an admin key: npm run keys -- create --kind admin)',
  refused: '',
};

/**
 * The start-up line that says where the service listens and which addresses to open: the dashboard
 * and the API documentation, as links a terminal makes clickable, or why the dashboard is closed.
 */
export function listeningMessage(
  prefix: string,
  listen: ListenAddress,
  adminAccess: AdminAccessMode,
): string {
  const base = localUrl(listen);
  const dashboard =
    adminAccess === 'refused'
      ? `the dashboard is closed on ${listen.host} (${base}/ui says how to open it)`
      : `open the dashboard at ${base}/ui${dashboardNeeds[adminAccess]}`;
  return `${prefix} on http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}: ${dashboard}; API documentation at ${base}/docs`;
}

import { BlockList, isIP } from 'node:net';

// Where a webhook must not go unless WEBHOOK_ALLOW_PRIVATE_URLS=true: anything that is not the public
// internet. A tenant names the URL, and the worker that calls it sits inside the operator's network, next
// to the database and, in a cloud, to the instance metadata service that hands out credentials.
const ranges: ReadonlyArray<[subnet: string, prefix: number, family: 'ipv4' | 'ipv6', what: string]> = [
  ['0.0.0.0', 8, 'ipv4', 'this network'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'shared address space (carrier-grade NAT; some clouds put metadata here)'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local (cloud instance metadata lives at 169.254.169.254)'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments (some clouds put metadata here)'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['64:ff9b:1::', 48, 'ipv6', 'local-use NAT64'],
  ['100::', 64, 'ipv6', 'discard-only'],
  ['fc00::', 7, 'ipv6', 'unique local (private; cloud metadata lives at fd00:ec2::254)'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'site-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

const lists = ranges.map(([subnet, prefix, family, what]) => {
  const list = new BlockList();
  list.addSubnet(subnet, prefix, family);
  return { list, what };
});

/** The 16 bytes of an IPv6 address (as net.isIP accepts it). */
function ipv6Bytes(address: string): number[] {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (v4) {
    const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -v4.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  const all =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return all.flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

/** The IPv4 address an IPv6 one carries by a translation prefix (NAT64, 6to4), if any. */
function embeddedIpv4(address: string): string | undefined {
  const bytes = ipv6Bytes(address);
  const prefix = bytes.slice(0, 12).join(',');
  // 64:ff9b::/96, NAT64's well-known prefix: a gateway reaches the IPv4 address in the last 32 bits.
  if (prefix === '0,100,255,155,0,0,0,0,0,0,0,0') return bytes.slice(12).join('.');
  // 2002::/16, 6to4: the IPv4 address follows the prefix.
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return bytes.slice(2, 6).join('.');
  return undefined;
}

/**
 * Why a resolved address may not receive webhooks (loopback, private, link-local, metadata and the
 * like), or undefined when it is a public address. IPv4-mapped IPv6 addresses are judged as the IPv4
 * address they carry, and so are the NAT64 and 6to4 forms.
 */
export function blockedAddressReason(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const { list, what } of lists) {
    if (list.check(address, type)) return `${address} is ${what}`;
  }
  if (family === 6) {
    const carried = embeddedIpv4(address);
    const reason = carried === undefined ? undefined : blockedAddressReason(carried);
    if (reason) return `${address} carries ${reason}`;
  }
  return undefined;
}

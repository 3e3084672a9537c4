import { randomFillSync } from 'node:crypto';

// Random bytes are drawn in blocks: one call per id costs more than the rest of making it.
const idBytes = 16;
const idsPerBlock = 256;
const block = Buffer.allocUnsafe(idBytes * idsPerBlock);
let nextInBlock = idsPerBlock;

const hex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * A new job id: a UUID version 7 (RFC 9562), whose first 48 bits are the milliseconds since the epoch
 * and the other 74 random. Ids made later sort later, so each new job's entries in the jobs' primary key
 * and in the events' and results' indexes go to the right-hand end of those indexes, a few pages that
 * stay in memory, instead of a random page anywhere in them: with millions of finished jobs, random
 * (version 4) ids made nearly every insert read an index page from disk. The time in an id is no secret:
 * a job's createdAt says as much.
 */
export function jobIdCreate(nowMillis: number = Date.now()): string {
  if (nextInBlock === idsPerBlock) {
    randomFillSync(block);
    nextInBlock = 0;
  }
  const at = nextInBlock * idBytes;
  nextInBlock += 1;
  const bytes = block.subarray(at, at + idBytes);
  // 48 bits of milliseconds, big-endian: above 2^32, so split without bitwise operators on the whole.
  const high = Math.floor(nowMillis / 2 ** 32);
  const low = nowMillis >>> 0;
  bytes[0] = (high >>> 8) & 0xff;
  bytes[1] = high & 0xff;
  bytes.writeUInt32BE(low, 2);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8]! & 0x3f); // variant 10
  let text = '';
  for (let i = 0; i < idBytes; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text += '-';
    text += hex[bytes[i]!];
  }
  return text;
}

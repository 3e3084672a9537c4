/** Whether this runtime can gzip a body (CompressionStream: Node.js 18+ and current browsers). */
export const canGzip = typeof CompressionStream === 'function';

/** `text` as UTF-8, gzip-compressed with the runtime's own CompressionStream. */
export async function gzip(text: string): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

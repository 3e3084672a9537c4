import { Transform, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { reserveMore } from './admission.js';
import { ProblemError } from './problem.js';

/** The content codings a request body may be sent in, as the Accept-Encoding of a 415 names them. */
export const requestEncodings = ['gzip', 'deflate', 'br'] as const;

// Output chunks of 64 KiB rather than zlib's 16: a typical batch decodes in one chunk, and each chunk
// costs a round through the stream machinery (measured: a quarter less CPU per request). The body
// limit is checked per chunk, so a bomb is stopped at most 64 KiB past it.
const chunkSize = 64 * 1024;

/** The decoder of each accepted coding; x-gzip is gzip's old name (RFC 9110, section 8.4.1.3). */
const decoders: Record<string, () => Transform & { bytesWritten: number }> = {
  gzip: () => createGunzip({ chunkSize }),
  'x-gzip': () => createGunzip({ chunkSize }),
  deflate: () => createInflate({ chunkSize }),
  br: () => createBrotliDecompress({ chunkSize }),
};

/** What Fastify reads from a stream a preParsing hook returns, to compare with Content-Length. */
type DecodedStream = Transform & { receivedEncodedLength?: number };

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

function tooLarge(maxBodyBytes: number): ProblemError {
  return new ProblemError(
    413,
    'Request body too large',
    `The body decompresses to more than ${maxBodyBytes} bytes, the most a request may carry ` +
      '(MAX_BODY_BYTES applies to the decompressed body); split the batch into smaller requests.',
  );
}

/**
 * The body decompressed as it arrives. Every decompressed chunk is counted against the body limit
 * before it goes on, so a body that expands past it (a compression bomb: 200 MB of spaces fit in 200 KB
 * of gzip) is refused within one chunk of the limit, with the decoder stopped and no more than the
 * limit held; and against the in-flight budget, since the decompressed bytes are what the request then
 * holds in memory. The rest of the upload is left to the lingering close, which reads and discards it
 * so the client receives the answer.
 */
function decompressed(
  payload: Readable,
  coding: string,
  request: FastifyRequest,
  reply: FastifyReply,
  maxBodyBytes: number,
): DecodedStream {
  const decoder = decoders[coding]!();
  let decodedBytes = 0;
  // The admission control reserved the declared Content-Length, or counts a chunked body's bytes as
  // they arrive; the compressed bytes are let go as they are decoded, so the request holds at most the
  // larger of the two, and only the decoded bytes beyond what is already counted are reserved. That
  // never exceeds MAX_BODY_BYTES, which alone always fits in the budget.
  const declared = Number(request.headers['content-length']);
  let grown = 0;
  const output: DecodedStream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      decodedBytes += chunk.length;
      // Read by Fastify: the body's length on the wire, which Content-Length states.
      output.receivedEncodedLength = decoder.bytesWritten;
      if (decodedBytes > maxBodyBytes) return callback(tooLarge(maxBodyBytes));
      const counted = Number.isInteger(declared) ? declared : decoder.bytesWritten;
      const more = decodedBytes - counted - grown;
      if (more <= 0) return callback(null, chunk);
      grown += more;
      callback(reserveMore(request, reply, more) ?? null, chunk);
    },
    flush(callback) {
      output.receivedEncodedLength = decoder.bytesWritten;
      callback();
    },
  });
  decoder.on('error', (error: Error) => {
    output.destroy(
      new ProblemError(
        400,
        'Corrupt compressed body',
        `The body is not valid ${coding} data (${error.message}); send it compressed whole, or uncompressed.`,
      ),
    );
  });
  payload.on('error', (error) => output.destroy(error));
  // Once the answer is decided, stop decompressing and let go of the upload (the lingering close reads
  // the rest); a destroyed request stream is not piped from again.
  output.on('close', () => {
    payload.unpipe(decoder);
    decoder.destroy();
  });
  payload.pipe(decoder).pipe(output);
  return output;
}

/**
 * Request bodies sent with Content-Encoding gzip, deflate or br are decompressed as a stream before
 * they are parsed, with MAX_BODY_BYTES applied to the decompressed size. Any other coding is a 415
 * problem whose Accept-Encoding names the ones accepted (RFC 7694); a stream that does not decode is a
 * 400 problem. Register it after the admission control, whose budget it adds the decompressed bytes to.
 */
export function registerRequestDecompression(app: FastifyInstance, options: { maxBodyBytes: number }): void {
  app.addHook('preParsing', async (request, reply, payload) => {
    const header = request.headers['content-encoding'];
    if (header === undefined || !hasBody(request)) return payload;
    const coding = header.trim().toLowerCase();
    if (coding === '' || coding === 'identity') return payload;
    if (!Object.hasOwn(decoders, coding)) {
      // Connection: close lets the lingering close read the unread body, so the client sees the answer.
      reply.header('accept-encoding', requestEncodings.join(', ')).header('connection', 'close');
      throw new ProblemError(
        415,
        'Unsupported content encoding',
        `The body is sent with Content-Encoding ${JSON.stringify(header.slice(0, 100))}; send it with one of ` +
          `${requestEncodings.join(', ')} (one coding, not a list), or uncompressed.`,
      );
    }
    return decompressed(payload, coding, request, reply, options.maxBodyBytes);
  });
}

// A JSON text read token by token, for scanIngestionBody: values are checked as JSON and skipped, strings
// with indexOf in native code, and anything JSON.parse and the service's payload checks would read
// differently or refuse (an escape of NUL or of a surrogate, nesting past the payload limit, a number
// beyond a double) ends the scan with `notSimple`, so that the general path answers it.
import { maxPayloadDepth } from '../domain/payloadCheck.js';

/** Thrown inside a scan to give up on the fast path; never escapes scanIngestionBody. */
export const notSimple = new Error('not a simple ingestion body');

const quote = 34;
const openBrace = 123;
/** `}`, for Scanner.more. */
export const closeBrace = 125;
/** `[`, for Scanner.expect. */
export const openBracket = 91;
/** `]`, for Scanner.more. */
export const closeBracket = 93;
const comma = 44;
/** `:`, for Scanner.expect. */
export const colon = 58;
const minus = 45;
const zero = 48;
const nine = 57;

// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const controlCharacter = /[\u0000-\u001f]/g;
const hex4 = /^[0-9a-fA-F]{4}$/;
const jsonNumber = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const shortEscapes = new Set([34, 92, 47, 98, 102, 110, 114, 116]); // " \ / b f n r t

/** A position in a JSON text and the reads that move it. */
export class Scanner {
  /** The offset of the next character to read. */
  at = 0;
  /** A number in the payload being read would change through JSON.parse and JSON.stringify. */
  reshaped = false;
  /** Where the next backslash and the next control character are (Infinity: none), found lazily. */
  #nextBackslash = -1;
  #nextControl = -1;

  constructor(readonly text: string) {}

  #backslashFrom(i: number): number {
    if (this.#nextBackslash < i) {
      const found = this.text.indexOf('\\', i);
      this.#nextBackslash = found < 0 ? Infinity : found;
    }
    return this.#nextBackslash;
  }

  #controlFrom(i: number): number {
    if (this.#nextControl < i) {
      controlCharacter.lastIndex = i;
      const found = controlCharacter.exec(this.text);
      this.#nextControl = found ? found.index : Infinity;
    }
    return this.#nextControl;
  }

  /** The code at the next character that is not JSON whitespace. */
  peek(): number {
    const { text } = this;
    let code = text.charCodeAt(this.at);
    while (code === 32 || code === 10 || code === 13 || code === 9) code = text.charCodeAt(++this.at);
    return code;
  }

  /** Reads the character `code` after any whitespace, or gives up. */
  expect(code: number): void {
    if (this.peek() !== code) throw notSimple;
    this.at += 1;
  }

  /** After a member or an element: true for a comma, false for the closing `close`. */
  more(close: number): boolean {
    const code = this.peek();
    this.at += 1;
    if (code === comma) return true;
    if (code === close) return false;
    throw notSimple;
  }

  /** A string with no escape (a key, or a field the scan reads): its content. */
  plainString(): string {
    this.expect(quote);
    const start = this.at;
    const end = this.text.indexOf('"', start);
    if (end < 0 || this.#backslashFrom(start) < end || this.#controlFrom(start) < end) throw notSimple;
    this.at = end + 1;
    return this.text.slice(start, end);
  }

  /** Any JSON string (at its opening quote), checked: escapes valid, none that payloadCheck refuses. */
  skipString(): void {
    const { text } = this;
    let i = this.at + 1;
    for (;;) {
      const end = text.indexOf('"', i);
      if (end < 0 || this.#controlFrom(i) < end) throw notSimple;
      const escape = this.#backslashFrom(i);
      if (escape > end) {
        this.at = end + 1;
        return;
      }
      // An escape before the quote (which it may itself escape): check it, then look again after it.
      const escaped = text.charCodeAt(escape + 1);
      if (escaped === 117 /* u */) {
        const digits = text.slice(escape + 2, escape + 6);
        if (!hex4.test(digits)) throw notSimple;
        const unit = Number.parseInt(digits, 16);
        // NUL and surrogates (paired or not): the general path decides about them.
        if (unit === 0 || (unit >= 0xd800 && unit <= 0xdfff)) throw notSimple;
        i = escape + 6;
      } else if (shortEscapes.has(escaped)) {
        i = escape + 2;
      } else {
        throw notSimple;
      }
    }
  }

  /** A JSON number (at its first character), checked; marks `reshaped` if JSON.stringify would change it. */
  skipNumber(): void {
    const { text } = this;
    const start = this.at;
    let i = start;
    if (text.charCodeAt(i) === minus) i += 1;
    const digitsStart = i;
    let code = text.charCodeAt(i);
    while (code >= zero && code <= nine) code = text.charCodeAt(++i);
    const digits = i - digitsStart;
    // A plain integer of up to 15 digits is what JSON.stringify(JSON.parse(text)) gives back.
    const plain =
      digits > 0 &&
      digits <= 15 &&
      (digits === 1 || text.charCodeAt(digitsStart) !== zero) &&
      code !== 46 /* . */ &&
      code !== 69 /* E */ &&
      code !== 101 /* e */ &&
      !(digits === 1 && text.charCodeAt(digitsStart) === zero && digitsStart > start); // -0
    if (!plain) {
      while (
        (code >= zero && code <= nine) ||
        code === 43 ||
        code === minus ||
        code === 46 ||
        code === 69 ||
        code === 101
      )
        code = text.charCodeAt(++i);
      const token = text.slice(start, i);
      if (!jsonNumber.test(token)) throw notSimple;
      const value = Number(token);
      if (!Number.isFinite(value)) throw notSimple;
      if (String(value) !== token) this.reshaped = true;
    }
    this.at = i;
  }

  /** `true`, `false` or `null` (at its first character). */
  skipLiteral(literal: string): void {
    if (!this.text.startsWith(literal, this.at)) throw notSimple;
    this.at += literal.length;
  }

  /** Any JSON value, checked; `depth` counts the objects and arrays around it within a payload. */
  skipValue(depth: number): void {
    const code = this.peek();
    if (code === quote) return this.skipString();
    if (code === openBrace || code === openBracket) {
      if (depth >= maxPayloadDepth) throw notSimple;
      const close = code === openBrace ? closeBrace : closeBracket;
      this.at += 1;
      if (this.peek() === close) {
        this.at += 1;
        return;
      }
      do {
        if (close === closeBrace) {
          if (this.peek() !== quote) throw notSimple;
          this.skipString();
          this.expect(colon);
        }
        this.skipValue(depth + 1);
      } while (this.more(close));
      return;
    }
    if (code === 116) return this.skipLiteral('true');
    if (code === 102) return this.skipLiteral('false');
    if (code === 110) return this.skipLiteral('null');
    this.skipNumber();
  }

  /** At `{`: true if the object has a first member (then at its key), false if it is empty. */
  openObject(): boolean {
    this.expect(openBrace);
    if (this.peek() !== closeBrace) return true;
    this.at += 1;
    return false;
  }
}

/**
 * Tokens of the WebAssembly text format (spec 6.2) with their line, column and offsets: the one
 * scanner of .wat text (the compiler's precheck, the language server's index, the debugger's
 * source map). Follows the
 * longest-match rule: a run of identifier characters and strings not separated by white space,
 * comments or parentheses is one token; unless it is a single atom or a single string it is
 * `reserved` (e.g. `"a""b"`, `$x"y"`, `0$x`), which cannot occur in a module.
 */

export type TokenKind = '(' | ')' | 'atom' | 'string' | 'reserved';

export interface Token {
  kind: TokenKind;
  /** the source text of the token (strings with their quotes and escapes) */
  text: string;
  /** 1-based line and character column */
  line: number;
  column: number;
  /** offsets in the text: [start, end) */
  start: number;
  end: number;
}

export interface TokenizeOptions {
  /**
   * Editors scan text being typed: go on past what is not lexically well-formed (an unterminated
   * string ends at its line, an unterminated block comment at the end, a stray character is
   * skipped) instead of stopping there.
   */
  tolerant?: boolean;
}

/** idchar of the spec: the printable ASCII characters other than space " ( ) , ; [ ] { } */
const ID_CHAR = new Uint8Array(128);
for (let c = 0x21; c < 0x7f; c++) ID_CHAR[c] = 1;
for (const c of ' "(),;[]{}') ID_CHAR[c.charCodeAt(0)] = 0;

export function isIdChar(code: number): boolean {
  return code < 128 && ID_CHAR[code] === 1;
}

/**
 * Splits `text` into tokens. Stops quietly where the text is not lexically well-formed
 * (unterminated string or block comment, a character that starts no token): the parser behind
 * reports those with its own message. `tolerant` goes on instead (see TokenizeOptions).
 */
export function tokenize(text: string, options: TokenizeOptions = {}): Token[] {
  const tolerant = options.tolerant === true;
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const newline = (at: number) => { line++; lineStart = at + 1; };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) { newline(i); i++; continue; }
    if (c === 0x20 || c === 0x09 || c === 0x0d) { i++; continue; }
    if (c === 0x3b && text.charCodeAt(i + 1) === 0x3b) { // ;; line comment
      while (i < n && text.charCodeAt(i) !== 0x0a) i++;
      continue;
    }
    if (c === 0x28 && text.charCodeAt(i + 1) === 0x3b) { // (; block comment ;), nested
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        const d = text.charCodeAt(i);
        if (d === 0x0a) newline(i);
        if (d === 0x28 && text.charCodeAt(i + 1) === 0x3b) { depth++; i += 2; } else if (d === 0x3b && text.charCodeAt(i + 1) === 0x29) { depth--; i += 2; } else i++;
      }
      if (depth > 0 && !tolerant) return tokens;
      continue;
    }
    const column = i - lineStart + 1;
    if (c === 0x28 || c === 0x29) {
      tokens.push({ kind: c === 0x28 ? '(' : ')', text: text[i], line, column, start: i, end: i + 1 });
      i++;
      continue;
    }
    // a run of idchars and strings
    const start = i;
    let parts = 0;
    let strings = 0;
    for (;;) {
      const d = text.charCodeAt(i);
      if (i < n && isIdChar(d)) {
        while (i < n && isIdChar(text.charCodeAt(i))) i++;
        parts++;
      } else if (d === 0x22) {
        let end = stringEnd(text, i);
        if (end < 0) { // unterminated: the parser reports it
          if (!tolerant) return tokens;
          end = text.indexOf('\n', i);
          if (end < 0) end = n;
        }
        i = end;
        parts++;
        strings++;
      } else break;
    }
    if (parts === 0) { // not a token character: the parser reports it
      if (!tolerant) return tokens;
      i++;
      continue;
    }
    const kind: TokenKind = parts > 1 ? 'reserved' : strings === 1 ? 'string' : 'atom';
    tokens.push({ kind, text: text.slice(start, i), line, column, start, end: i });
  }
  return tokens;
}

/** Index after the closing quote of the string starting at `i`, or -1 when it is not closed on its line. */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c === 0x5c) j++;
    else if (c === 0x0a) return -1;
  }
  return -1;
}

/**
 * The bytes a string token denotes (escapes \t \n \r \" \' \\ \hh \u{...}), or undefined when an
 * escape is malformed (the parser reports it).
 */
export function stringBytes(token: string): Uint8Array | undefined {
  const out: number[] = [];
  const body = token.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      if (cp > 0xffff) i++;
      out.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
      continue;
    }
    const e = body[++i];
    const simple: Record<string, number> = { t: 9, n: 10, r: 13, '"': 0x22, "'": 0x27, '\\': 0x5c };
    if (e in simple) out.push(simple[e]);
    else if (/^[0-9a-fA-F]{2}$/.test(body.substr(i, 2))) {
      out.push(parseInt(body.substr(i, 2), 16));
      i++;
    } else if (e === 'u' && body[i + 1] === '{') {
      const close = body.indexOf('}', i);
      const hex = body.slice(i + 2, close).replace(/_/g, '');
      if (close < 0 || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) return undefined;
      out.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
      i = close;
    } else return undefined;
  }
  return Uint8Array.from(out);
}

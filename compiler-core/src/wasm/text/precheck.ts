/**
 * Lexical checks of WebAssembly text that binaryen's parser does not make, with the spec
 * interpreter's messages: tokens not separated by white space or parentheses and unknown
 * keywords ("unknown operator"), literals out of range for where they are used ("constant out of
 * range", "i32 constant out of range"), lane indices and counts ("malformed lane index",
 * "invalid lane length", "wrong number of lane literals"), memarg alignments that are not powers
 * of two, import/export names that are not UTF-8 ("malformed UTF-8 encoding"), and imports after
 * definitions ("import after function").
 * Runs before binaryen parses the text; everything else is left to binaryen.
 */
import { WatParseError } from '../errors';
import { hasMemarg, KEYWORDS, SHAPES } from './keywords';
import { stringBytes, tokenize, type Token } from './lexer';
import { F32, F64, floatInRange, intInRange, isFloatLiteral, parseInteger, parseNat } from './literals';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const U32_MAX = 0xffffffffn;

interface List {
  /** the keyword after the opening parenthesis, or '' */
  head: string;
  /** children seen so far (atoms, strings, lists), the head included */
  children: number;
}

export function precheckWat(text: string, fileName: string): void {
  const tokens = tokenize(text);
  const fail = (t: Token, reason: string): never => {
    throw new WatParseError(fileName, t.line, t.column, reason);
  };
  const lists: List[] = [{ head: '', children: 0 }];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const list = lists[lists.length - 1];
    switch (t.kind) {
      case '(': {
        list.children++;
        const next = tokens[i + 1];
        if (next?.kind === 'atom' && next.text.startsWith('@')) { // an annotation: any tokens, skipped
          i = closingParen(tokens, i);
          break;
        }
        lists.push({ head: next?.kind === 'atom' ? next.text : '', children: 0 });
        break;
      }
      case ')':
        if (lists.length > 1) lists.pop();
        break;
      case 'reserved':
        fail(t, `unknown operator ${t.text} (tokens must be separated by white space or parentheses)`);
        break;
      case 'string':
        list.children++;
        if ((list.head === 'import' && list.children <= 3) || (list.head === 'export' && list.children === 2)) {
          const bytes = stringBytes(t.text);
          if (bytes !== undefined && !isUtf8(bytes)) fail(t, `malformed UTF-8 encoding in the name ${t.text}`);
        }
        break;
      case 'atom':
        list.children++;
        checkAtom(t, fail);
        if ((list.head === 'memory' || list.head === 'table') && list.children > 1) {
          const n = parseNat(t.text);
          if (n !== undefined && n > U32_MAX) fail(t, `i32 constant out of range: ${t.text} (limits are 32-bit)`);
        }
        i = checkImmediates(tokens, i, fail);
        break;
    }
  }
  checkFieldOrder(tokens, fail);
}

const DEFINITIONS: Record<string, string> = { func: 'function', global: 'global', memory: 'memory', table: 'table' };

/**
 * Imports must come before the functions, globals, memories and tables the module defines
 * (an inline `(func (import ...))` is an import too).
 */
function checkFieldOrder(tokens: Token[], fail: Fail): void {
  let i = 0;
  let depth = 1; // module fields are lists at this depth: of the text, or inside (module ...)
  if (tokens[0]?.kind === '(' && tokens[1]?.text === 'module') {
    depth = 2;
    i = 2;
  }
  let level = depth - 1;
  let defined: string | undefined;
  for (; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === ')') level--;
    if (t.kind !== '(') continue;
    level++;
    if (level !== depth) continue;
    const head = tokens[i + 1]?.text ?? '';
    const close = closingParen(tokens, i);
    const inlineImport = head in DEFINITIONS && hasChildList(tokens, i, close, 'import');
    if (head === 'import' || inlineImport) {
      if (defined !== undefined) fail(tokens[i + 1], `import after ${defined}`);
    } else if (head in DEFINITIONS) {
      defined ??= DEFINITIONS[head];
    }
  }
}

/** Whether the list opened at `open` has a direct child list whose head is `head`. */
function hasChildList(tokens: Token[], open: number, close: number, head: string): boolean {
  let level = 0;
  for (let i = open; i < close; i++) {
    if (tokens[i].kind === '(') {
      level++;
      if (level === 2 && tokens[i + 1]?.text === head) return true;
    } else if (tokens[i].kind === ')') level--;
  }
  return false;
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function closingParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i].kind === '(') depth++;
    else if (tokens[i].kind === ')' && --depth === 0) return i;
  }
  return tokens.length;
}

type Fail = (t: Token, reason: string) => never;

/** An atom must be an identifier, a number or a known keyword. */
function checkAtom(t: Token, fail: Fail): void {
  const s = t.text;
  const c = s[0];
  if (c === '$') {
    if (s.length === 1) fail(t, 'unknown operator $ (an identifier needs a name)');
    return;
  }
  if (/^([0-9+-]|inf|nan)/.test(s)) {
    if (!isNumber(s) && !KEYWORDS.has(s)) fail(t, `unknown operator ${s} (not a well-formed number)`);
    return;
  }
  if (c >= 'a' && c <= 'z') {
    const eq = /^(offset|align)=(.*)$/.exec(s);
    if (eq) {
      if (parseNat(eq[2]) === undefined) fail(t, `unknown operator ${s} (${eq[1]}= needs an unsigned integer)`);
      return;
    }
    if (!KEYWORDS.has(s)) fail(t, `unknown operator ${s}`);
    return;
  }
  fail(t, `unknown operator ${s}`);
}

function isNumber(s: string): boolean {
  return parseInteger(s) !== undefined || isFloatLiteral(s);
}

const isNumeric = (t: Token | undefined): t is Token => t !== undefined && t.kind === 'atom' && isNumber(t.text);

/** An atom after v128.const's shape or i8x16.shuffle that can only be meant as a literal (well-formed or not). */
const isLiteralCandidate = (t: Token | undefined): t is Token =>
  t !== undefined && t.kind === 'atom' && !t.text.startsWith('$') && !KEYWORDS.has(t.text) && !/^(offset|align)=/.test(t.text);

/** A t.const without a literal operand (the script-only nan:canonical / nan:arithmetic included). */
function missingOperand(tokens: Token[], i: number, fail: Fail): number {
  const next = tokens[i + 1];
  if (next === undefined || next.kind === '(' || next.kind === ')' || next.text === 'nan:canonical' || next.text === 'nan:arithmetic') {
    fail(next ?? tokens[i], `unexpected token: ${tokens[i].text} needs a literal${next?.kind === 'atom' ? `, found ${next.text}` : ''}`);
  }
  return i;
}

/** Checks the numeric immediates after the instruction at `i`; returns the index of the last token consumed. */
function checkImmediates(tokens: Token[], i: number, fail: Fail): number {
  const kw = tokens[i].text;
  if (!KEYWORDS.has(kw)) return i;
  const next = tokens[i + 1];
  switch (kw) {
    case 'i32.const':
    case 'i64.const': {
      if (!isNumeric(next)) return missingOperand(tokens, i, fail);
      const lit = parseInteger(next.text);
      if (lit !== undefined && !intInRange(lit, kw === 'i32.const' ? 32 : 64)) fail(next, `constant out of range: ${next.text} for ${kw}`);
      return i + 1;
    }
    case 'f32.const':
    case 'f64.const':
      if (!isNumeric(next)) return missingOperand(tokens, i, fail);
      if (!floatInRange(next.text, kw === 'f32.const' ? F32 : F64)) fail(next, `constant out of range: ${next.text} for ${kw}`);
      return i + 1;
    case 'v128.const': {
      const shape = next?.kind === 'atom' ? SHAPES[next.text] : undefined;
      if (shape === undefined) fail(next ?? tokens[i], `unexpected token: v128.const needs a shape (${Object.keys(SHAPES).join(', ')})`);
      let j = i + 2;
      const lanes: Token[] = [];
      for (; isLiteralCandidate(tokens[j]); j++) {
        checkAtom(tokens[j], fail);
        lanes.push(tokens[j]);
      }
      if (lanes.length !== shape.lanes) {
        fail(tokens[j] ?? next, `wrong number of lane literals: v128.const ${next.text} needs ${shape.lanes}, found ${lanes.length}`);
      }
      for (const l of lanes) {
        const ok = shape.float ? floatInRange(l.text, shape.bits === 32 ? F32 : F64) : inRangeInt(l.text, shape.bits);
        if (!ok) fail(l, `constant out of range: ${l.text} for a lane of v128.const ${next.text}`);
      }
      return j - 1;
    }
    case 'i8x16.shuffle': {
      let j = i + 1;
      let count = 0;
      for (; isLiteralCandidate(tokens[j]); j++, count++) {
        checkAtom(tokens[j], fail);
        checkLane(tokens[j], fail);
      }
      if (count !== 16) fail(tokens[j] ?? tokens[i], `invalid lane length: i8x16.shuffle needs 16 lane indices, found ${count}`);
      return j - 1;
    }
  }
  if (/\.(extract_lane|replace_lane)/.test(kw)) { // a keyword: i8x16.extract_lane_s ... f64x2.replace_lane
    if (next?.kind !== 'atom' || parseNat(next.text) === undefined) {
      fail(next ?? tokens[i], `unexpected token: ${kw} needs a lane index (an unsigned integer)${next?.kind === 'atom' ? `, found ${next.text}` : ''}`);
    }
    checkLane(next, fail);
    return i + 1;
  }
  if (hasMemarg(kw)) {
    let j = i + 1;
    for (; tokens[j]?.kind === 'atom' && /^(offset|align)=/.test(tokens[j].text); j++) {
      const [key, num] = tokens[j].text.split('=');
      const n = parseNat(num);
      if (n === undefined) fail(tokens[j], `unknown operator ${tokens[j].text} (${key}= needs an unsigned integer)`);
      if (n > U32_MAX) fail(tokens[j], `i32 constant out of range: ${tokens[j].text}`);
      if (key === 'align' && (n === 0n || (n & (n - 1n)) !== 0n)) fail(tokens[j], `alignment must be a power of two: ${tokens[j].text}`);
    }
    if (/_lane$/.test(kw) && isNumeric(tokens[j]) && parseNat(tokens[j].text) !== undefined) checkLane(tokens[j], fail);
    return j - 1;
  }
  return i;
}

function inRangeInt(s: string, bits: number): boolean {
  const lit = parseInteger(s);
  return lit === undefined || intInRange(lit, bits);
}

/** A lane index is a u8 literal. */
function checkLane(t: Token, fail: Fail): void {
  const n = parseNat(t.text);
  if (n === undefined || n > 255n) fail(t, `malformed lane index ${t.text}`);
}

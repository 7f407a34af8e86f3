/**
 * binaryen's text-parser and validator messages that describe the same error as a message of
 * the spec interpreter, prefixed with the spec's words (`duplicate func: repeated function name`),
 * so that every text error uses the vocabulary of the spec (and of its testsuite).
 */
const SPEC_WORDS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^repeated (function|global|memory|table) name/, (m) => `duplicate ${m[1] === 'function' ? 'func' : m[1]}`],
  [/local names must be unique/, () => 'duplicate local'],
  [/^(end|else) label does not match/, () => 'mismatching label'],
  [/^unexpected extra 'start' function/, () => 'multiple start sections'],
  [/^type does not match provided signature/, () => 'inline function type'],
  [/^unexpected label/, () => 'unknown label'],
  [/^type index out of bounds/, () => 'unknown type'],
];

export function inSpecWords(message: string): string {
  for (const [re, words] of SPEC_WORDS) {
    const m = re.exec(message);
    if (m) return `${words(m)}: ${message}`;
  }
  return message;
}

/**
 * Point ids and kinds have one owner, compiler-core/src/cr/points.ts: the adapter's sources must
 * not take ids apart or build them by hand, nor keep their own table of kind names.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../compiler-core/src/index';

const SRC = join(packageRoot(), 'debug-adapter', 'src');

const BY_HAND: [RegExp, string][] = [
  [/<<\s*32n|>>\s*32n|0xffffffffn/i, 'splits or builds an id (func << 32 | offset): use pointId / decodePointId'],
  [/0x[48c]0000000n?\b/i, 'uses a tag bit of debug points: use isDebugPoint / afterCallPoint / decodePointId'],
  [/\[\s*'entry'\s*,\s*'loop'|1\s*:\s*'entry'/, 'keeps a table of kind names: use POINT_KIND_NAMES / PointKindName'],
  [/point(Id)?\.toString\(16\)/i, 'writes an id\'s text by hand: use pointIdText'],
];

const handMade = (text: string) => BY_HAND.filter(([re]) => re.test(text)).length;

describe('point ids in the debug adapter', () => {
  it('the checks catch ids made by hand', () => {
    for (const line of ['point: `0x${f.pointId.toString(16)}`', '(BigInt(func) << 32n) | BigInt(off)', 'id & 0x40000000n',
      "const KINDS = ['entry', 'loop', 'call']", 'Number(id >> 32n)']) assert.equal(handMade(line), 1, line);
  });

  for (const file of readdirSync(SRC).filter((f) => f.endsWith('.ts'))) {
    it(`${file} leaves point ids and kinds to points.ts`, () => {
      const text = readFileSync(join(SRC, file), 'utf8');
      for (const [re, why] of BY_HAND) {
        const m = re.exec(text);
        assert.equal(m, null, m ? `${file}:${text.slice(0, m.index).split('\n').length}: ${why}` : '');
      }
    });
  }
});

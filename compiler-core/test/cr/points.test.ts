/**
 * Point ids and kinds have one owner (src/cr/points.ts); the runtime's copy is wrt.h. These tests
 * build a C program against wrt.h and hold its decoding and kind names to the TypeScript ones.
 */
import assert from 'node:assert/strict';
import {
  AFTER_CALL_TAG, afterCallPoint, decodePointId, isDebugPoint, MAX_TAGGED_OFFSET, parsePointIdText, pointId,
  pointIdText, pointKindFromName, pointKindName, POINT_KIND_NAMES, PointKind, STATEMENT_TAG,
} from '../../src/cr/points';
import { runC } from '../runtime-header';

/** A few hundred ids: edge values and random ones, untagged and with each tag. */
function sampleIds(): bigint[] {
  let seed = 12345;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
  const ids: bigint[] = [];
  for (const f of [0, 1, 0xffff, 0x7fffffff, 0xffffffff]) for (const o of [0, 1, MAX_TAGGED_OFFSET]) for (const tag of [0, STATEMENT_TAG, AFTER_CALL_TAG]) ids.push(pointId(f, o, tag));
  for (let i = 0; i < 300; i++) ids.push(pointId(rnd(0x100000), rnd(MAX_TAGGED_OFFSET + 1), [0, STATEMENT_TAG, AFTER_CALL_TAG][rnd(3)]));
  return ids;
}

describe('migration-point ids and kinds (cr/points.ts = wrt.h)', () => {
  it('an id round-trips through its parts and its text form', () => {
    for (const id of sampleIds()) {
      const d = decodePointId(id);
      const tag = d.tag === 'statement' ? STATEMENT_TAG : d.tag === 'after-call' ? AFTER_CALL_TAG : 0;
      assert.equal(pointId(d.funcIndex, d.offset, tag), id);
      assert.equal(parsePointIdText(pointIdText(id)), id);
      assert.equal(isDebugPoint(id), tag !== 0);
      assert.deepEqual({ ...decodePointId(afterCallPoint(id)), tag: undefined }, { ...d, tag: undefined });
      assert.equal(decodePointId(afterCallPoint(id)).tag, 'after-call');
    }
    assert.throws(() => parsePointIdText('12'), /not a point id/);
  });

  it('the runtime decodes every id as points.ts does (WRT_POINT_ID_* in wrt.h)', () => {
    const ids = sampleIds();
    const out = runC(`#include <inttypes.h>\n#include <stdio.h>\n#include "wrt.h"\n` +
      `static const uint64_t ids[] = { ${ids.map((i) => `0x${i.toString(16)}ull`).join(', ')} };\n` +
      `int main(void) {\n  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)\n` +
      `    printf("%" PRIu32 " %" PRIu32 " %s\\n", WRT_POINT_ID_FUNC(ids[i]), WRT_POINT_ID_OFFSET(ids[i]),\n` +
      `           WRT_POINT_ID_TAG(ids[i]) == WRT_POINT_TAG_STATEMENT ? "statement" : WRT_POINT_ID_TAG(ids[i]) == WRT_POINT_TAG_AFTER_CALL ? "after-call" : "-");\n` +
      `  return 0;\n}\n`);
    const lines = out.trim().split('\n');
    assert.equal(lines.length, ids.length);
    ids.forEach((id, i) => {
      const d = decodePointId(id);
      assert.equal(lines[i], `${d.funcIndex} ${d.offset} ${d.tag ?? '-'}`, `id ${pointIdText(id)}`);
    });
  });

  it('the runtime names each kind number as points.ts does (WRT_POINT_* and wrt_point_kind_name)', () => {
    const out = runC(`#include <stdio.h>\n#include "wrt.h"\n` +
      `int main(void) {\n  for (uint32_t k = 0; k <= 6; k++) printf("%u %s\\n", k, wrt_point_kind_name(k));\n` +
      `  printf("%u %u %u %u %u\\n", WRT_POINT_FUNC_ENTRY, WRT_POINT_LOOP, WRT_POINT_CALL, WRT_POINT_STATEMENT, WRT_POINT_AFTER_CALL);\n  return 0;\n}\n`);
    const lines = out.trim().split('\n');
    for (let k = 0; k <= 6; k++) assert.equal(lines[k], `${k} ${pointKindName(k) ?? '?'}`, `kind ${k}`);
    assert.equal(lines[7], [PointKind.FuncEntry, PointKind.Loop, PointKind.Call, PointKind.Statement, PointKind.AfterCall].join(' '));
    for (const [k, n] of Object.entries(POINT_KIND_NAMES)) assert.equal(pointKindFromName(n), Number(k));
  });
});

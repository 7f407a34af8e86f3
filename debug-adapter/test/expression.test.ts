/**
 * The expression language of conditions, logpoints and the debug console, on a made-up stopped
 * state: precedence, exact integers, floats from their bits, memory reads, and the errors a user
 * sees (with the column).
 */
import { strict as assert } from 'node:assert';
import type { EvalContext } from '../src/evalContext';
import { evaluate, parseExpression, valueText } from '../src/expression';
import { BreakpointRule, interpolate, wasmScope } from '../src/breakpointRule';
import { evaluateExpression } from '../src/evaluate';

const memory = Buffer.alloc(65536);
memory.writeInt32LE(-7, 16);
memory.writeDoubleLE(2.5, 24);
const ctx: EvalContext = {
  frame: {
    index: 0, func: 1, point: '0x1', kind: 'loop',
    locals: [
      { type: 'i32', value: -3 },
      { type: 'i64', value: 9223372036854775807n },
      { type: 'f64', bits: 0x3fb999999999999an },
      { type: 'f32', bits: 0x7fc00000 },
      { type: 'i32', value: 16 },
    ],
    stack: [{ type: 'i32', value: 5 }],
  } as unknown as EvalContext['frame'],
  globals: [{ type: 'i64', value: -9223372036854775808n }],
  localName: (i) => ['i', 'big', 'd', 'f', 'p'][i],
  globalName: (i) => (i === 0 ? 'count' : undefined),
  memorySize: memory.length,
  readMemory: async (addr, len) => memory.subarray(addr, addr + len),
};
const ev = async (e: string) => valueText(await evaluate(e, ctx));

describe('debug expressions', () => {
  it('follows C precedence and keeps integers exact', async () => {
    assert.equal(await ev('1 + 2 * 3 << 1'), '14');
    assert.equal(await ev('(1 + 2) * 3'), '9');
    assert.equal(await ev('$big + 1'), '9223372036854775808');
    assert.equal(await ev('count - 1'), '-9223372036854775809');
    assert.equal(await ev('$i * -1 == 3 && !0'), '1');
    assert.equal(await ev('$i < 0 || 1 / 0'), '1'); // || does not evaluate its right side
    assert.equal(await ev('-7 / 2'), '-3');
    assert.equal(await ev('~0 & 0xff ^ 0x0f | 0x100'), String((~0 & 0xff ^ 0x0f) | 0x100));
    assert.equal(await ev('stack[0] + local[0]'), '2');
  });

  it('floats come from their bits; a float operand makes a float operation', async () => {
    assert.equal(await ev('$d * 10'), '1');
    assert.equal(await ev('$d == 0.1'), '1');
    assert.equal(await ev('$f == $f'), '0'); // NaN
    assert.equal(await ev('1 / 0.0'), 'inf');
    assert.equal(await ev('$i + 0.5'), '-2.5');
  });

  it('reads linear memory at an address expression', async () => {
    assert.equal(await ev('i32[$p]'), '-7');
    assert.equal(await ev('u32[$p]'), String(2 ** 32 - 7));
    assert.equal(await ev('f64[$p + 8] * 2'), '5');
    await assert.rejects(ev('i64[65530]'), /address 65530 is outside the linear memory \(65536 bytes\)/);
  });

  it('says what is wrong and where', async () => {
    assert.throws(() => parseExpression('$i +'), /the expression ends too early/);
    assert.throws(() => parseExpression('$i ) 1'), /unexpected '\)' at column 4/);
    assert.throws(() => parseExpression('$i @ 1'), /unexpected '@' at column 4/);
    assert.throws(() => parseExpression('q8[1]'), /unknown memory type q8/);
    await assert.rejects(ev('$nosuch'), /no local or global named \$nosuch/);
    await assert.rejects(ev('$i % 0'), /division by zero/);
    await assert.rejects(ev('$d << 1'), /<< needs integers/);
    await assert.rejects(ev('1 << 1000000000'), /shift count 1000000000 \(0 to 128\)/);
  });

  it('the console: a name shows its value as the Variables view does, anything else is computed', async () => {
    assert.deepEqual(await evaluateExpression('$d', ctx), { value: { type: 'f64', bits: 0x3fb999999999999an }, type: 'f64' });
    assert.deepEqual(await evaluateExpression('$i*2', ctx), { text: '-6', type: 'integer' });
    assert.deepEqual(await evaluateExpression('$d/2', ctx), { text: '0.05', type: 'float' });
    await assert.rejects(evaluateExpression('$nosuch', ctx), /no local or global named \$nosuch/);
  });

  it('breakpoint rules: condition, then hit count, then the log message', async () => {
    const log: string[] = [];
    const r = new BreakpointRule({ condition: '$i < 0', hitCondition: '% 2', logMessage: 'i={$i} d={$d} {1+}' });
    const hits = [];
    for (let k = 0; k < 4; k++) hits.push(await r.hit(wasmScope(ctx), (l) => log.push(l)));
    assert.deepEqual(hits, [false, false, false, false]); // a logpoint never stops
    assert.equal(log.length, 2);
    assert.equal(log[0], 'i=-3 d=0.1 {1+: the expression ends too early}');
    assert.equal(await new BreakpointRule({ condition: '$i > 0' }).hit(wasmScope(ctx), () => undefined), false);
    const third = new BreakpointRule({ hitCondition: '== 3' });
    const seen = [];
    for (let k = 0; k < 4; k++) seen.push(await third.hit(wasmScope(ctx), () => undefined));
    assert.deepEqual(seen, [false, false, true, false]);
    assert.throws(() => new BreakpointRule({ hitCondition: '% 0' }), /modulus must be positive/);
    await assert.rejects(new BreakpointRule({ condition: '1 / 0' }).hit(wasmScope(ctx), () => undefined), /condition "1 \/ 0": division by zero/);
    assert.equal(await interpolate('{{$i}}', wasmScope(ctx)), '{-3}'); // braces around a part stay
  });
});

/**
 * Source variables as DAP shows them: a frame's locals and parameters, the globals, members of
 * structs, arrays and pointers (opened on demand), watch/hover/console expressions in the source
 * language, and setting a scalar variable. The values come from the DWARF engine, which reads the
 * frame's Wasm state as the runtime recovered it from the stackmap records.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DwarfEngine, EngineValue, Reads, WasmFrameValues } from './engine';
import { UserError } from '../userError';
import { isRustStd, rustView, type RustView } from './rustStd';

/** A frame in source terms: a Wasm frame (its point's offset) and which inlined function in it. */
export interface SourceFrame { offset: number; inline: number; values: WasmFrameValues }

/**
 * Makes a variablesReference for the members of a value: the engine's object id, or
 * `elements:<count>` for the elements of a Rust Vec at `path` (rustStd.ts).
 */
export type ChildRef = (objectId: string, frame: SourceFrame, path?: string) => number;

const ELEMENTS = /^elements:(\d+)$/;

const OPTIMIZED_OUT = '<optimized out>';

export class SourceValues {
  constructor(readonly engine: DwarfEngine) {}

  /** The variables of a frame's scope: 'locals' (parameters first) or 'globals'. */
  async scope(frame: SourceFrame, scope: 'locals' | 'globals', child: ChildRef): Promise<DebugProtocol.Variable[]> {
    const vars = await this.engine.variables(frame.offset, frame.inline);
    const wanted = scope === 'globals' ? vars.filter((v) => v.scope === 'GLOBAL')
      : [...vars.filter((v) => v.scope === 'PARAMETER'), ...vars.filter((v) => v.scope === 'LOCAL')];
    const out: DebugProtocol.Variable[] = [];
    for (const v of wanted) {
      try {
        const r = await this.engine.evaluate(v.name, frame.offset, frame.inline, frame.values);
        out.push(await this.variable(v.name, r.value, r.reads, v.name, frame, child, v.type));
      } catch (e) {
        out.push({ name: v.name, value: unavailable(e), type: v.type, variablesReference: 0 });
      }
    }
    return out;
  }

  /** The members of a value shown earlier. */
  async members(objectId: string, frame: SourceFrame, parent: string | undefined, child: ChildRef): Promise<DebugProtocol.Variable[]> {
    const out: DebugProtocol.Variable[] = [];
    const elements = ELEMENTS.exec(objectId);
    if (elements && parent !== undefined) {
      const view = await this.rust(parent, frame);
      if (view?.elements) {
        for (let i = 0; i < Number(elements[1]); i++) {
          const expr = view.elements.element(i);
          const r = await this.engine.evaluate(expr, frame.offset, frame.inline, frame.values).catch((e: Error) => e);
          out.push(r instanceof Error ? { name: `[${i}]`, value: unavailable(r), variablesReference: 0 } : await this.variable(`[${i}]`, r.value, r.reads, expr, frame, child));
        }
      }
      return out;
    }
    const props = await this.engine.properties(objectId);
    for (const p of props) {
      // array elements come named 0, 1, ...; what a pointer points to comes named by its address
      const name = /^\d+$/.test(p.name) ? `[${p.name}]` : /^0x[0-9a-f]+$/i.test(p.name) ? `*${parent ?? ''}` : p.name;
      out.push(await this.variable(name, p.value, undefined, parent !== undefined ? memberPath(parent, name) : undefined, frame, child));
    }
    return out;
  }

  /** A source expression in a frame. Throws a UserError with the engine's message when it cannot. */
  async evaluate(expression: string, frame: SourceFrame, child: ChildRef): Promise<DebugProtocol.Variable> {
    try {
      const r = await this.engine.evaluate(expression, frame.offset, frame.inline, frame.values);
      return await this.variable(expression, r.value, r.reads, expression, frame, child);
    } catch (e) {
      throw new UserError((e as Error).message);
    }
  }

  /** Whether a source condition holds (non-zero); throws when it cannot be evaluated. */
  async holds(expression: string, frame: SourceFrame): Promise<boolean> {
    const r = await this.engine.evaluate(expression, frame.offset, frame.inline, frame.values);
    if (r.reads.deadLocal) throw new UserError(`${expression} is optimized out here`);
    const v = r.value.value;
    if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
    if (typeof v === 'bigint') return v !== 0n;
    if (typeof v === 'boolean') return v;
    const text = r.value.description ?? '';
    if (/^(true|false)$/.test(text)) return text === 'true';
    const n = Number(text);
    if (text !== '' && !Number.isNaN(n)) return n !== 0;
    throw new UserError(`${expression} is ${r.value.className ?? r.value.type}, not a number or a truth value`);
  }

  /** The text a logpoint shows for an expression. */
  async logText(expression: string, frame: SourceFrame): Promise<string> {
    const r = await this.engine.evaluate(expression, frame.offset, frame.inline, frame.values);
    return r.reads.deadLocal ? OPTIMIZED_OUT : this.text(r.value);
  }

  /**
   * A value's text as LLDB shows it: numbers and enumerators as they are, a C string in quotes,
   * a pointer as its type and address (the engine names what it points to by that address), an
   * aggregate as its type.
   */
  private async text(v: EngineValue): Promise<string> {
    if (v.type === 'string') {
      const s = String(v.value ?? v.description ?? '');
      return /^'.*'$/.test(s) ? s : JSON.stringify(s); // a char comes quoted already
    }
    const d = v.description ?? '';
    if (v.type === 'object' && /\*\s*$/.test(d)) {
      const target = v.hasChildren && v.objectId ? (await this.engine.properties(v.objectId).catch(() => []))[0]?.name : undefined;
      return `(${d}) ${target && /^0x[0-9a-f]+$/i.test(target) ? target : 'NULL'}`;
    }
    return valueText(v);
  }

  /**
   * Sets a scalar variable (`expression`: its name, or a member's path) to the value typed: its
   * bytes in linear memory, or its Wasm local. Throws why it cannot.
   */
  async assign(expression: string, text: string, frame: SourceFrame, write: {
    memory(addr: number, bytes: Buffer): Promise<void>;
    local(index: number, text: string): Promise<void>;
  }): Promise<void> {
    const r = await this.engine.evaluate(expression, frame.offset, frame.inline, frame.values);
    const type = r.value.className ?? r.value.type;
    if (r.value.hasChildren && !/\*\s*$/.test(type)) throw new UserError(`${expression} is ${type}: set one of its members`);
    if (r.value.linearMemoryAddress !== undefined && r.value.linearMemorySize) {
      await write.memory(r.value.linearMemoryAddress, encodeScalar(type, r.value.linearMemorySize, text));
      return;
    }
    if (!r.reads.memory && r.reads.locals.size === 1) { await write.local([...r.reads.locals][0], text); return; }
    throw new UserError(`${expression} has no place in memory or in one Wasm local here (it is computed): it cannot be set`);
  }

  /**
   * A Rust String or Vec at `path` (of type `type` when known), as rustStd.ts shows it. Rust's
   * expressions see through a reference (`player.name`, not `(*player).name`): a path through `*`
   * that does not answer is tried without it.
   */
  private async rust(path: string, frame: SourceFrame, type?: string): Promise<RustView | undefined> {
    if (type !== undefined && !isRustStd(type)) return undefined;
    for (const p of path.includes('(*') ? [path, path.replace(/\(\*([^()]+)\)/g, '$1')] : [path]) {
      const t = type ?? await this.engine.evaluate(p, frame.offset, frame.inline, frame.values).then((r) => r.value.className ?? r.value.description ?? '', () => '');
      const view = await rustView(this.engine, frame, p, t);
      if (view) return view;
    }
    return undefined;
  }

  private async variable(name: string, v: EngineValue, reads: Reads | undefined, evaluateName: string | undefined, frame: SourceFrame, child: ChildRef, type?: string): Promise<DebugProtocol.Variable> {
    const typeText = type ?? v.className ?? typeName(v);
    const rust = evaluateName !== undefined && !reads?.deadLocal ? await this.rust(evaluateName, frame, v.className ?? v.description ?? '') : undefined;
    const out: DebugProtocol.Variable = {
      name, value: reads?.deadLocal ? OPTIMIZED_OUT : rust ? rust.text : await this.text(v), type: typeText,
      variablesReference: rust?.elements ? child(`elements:${rust.elements.count}`, frame, evaluateName)
        : v.hasChildren && v.objectId && !reads?.deadLocal ? child(v.objectId, frame, evaluateName) : 0,
    };
    if (evaluateName !== undefined) out.evaluateName = evaluateName;
    if (v.linearMemoryAddress !== undefined) out.memoryReference = `0x${v.linearMemoryAddress.toString(16)}`;
    return out;
  }
}

/** What a variable the engine cannot read shows: optimized out (no location here), or the engine's reason. */
function unavailable(e: unknown): string {
  const msg = (e as Error).message.replace(/^(Error: )?EvalError: /, '');
  return /no location|optimized out/i.test(msg) ? OPTIMIZED_OUT : `<${msg}>`;
}

/** The type of a value the engine gives none for (a member): nothing rather than its JavaScript type. */
function typeName(v: EngineValue): string | undefined {
  return v.type === 'number' || v.type === 'string' || v.type === 'boolean' ? undefined : v.description;
}

/** The text of a value: what the engine describes (a number, an enumerator, a struct's type). */
export function valueText(v: EngineValue): string {
  if (v.description !== undefined) return v.description;
  if (v.value !== undefined) return String(v.value);
  return v.className ?? v.type;
}

/**
 * The bytes of a scalar of source type `type` (size bytes, little-endian as Wasm memory is) from
 * the text typed: a float type takes a decimal, anything else an integer (decimal, 0x hex, a
 * 'c' character, true or false). Throws what is wrong.
 */
export function encodeScalar(type: string, size: number, text: string): Buffer {
  const t = text.trim();
  const b = Buffer.alloc(size);
  if (/\b(float|double|f32|f64)\b/.test(type)) {
    const x = Number(t);
    if (t === '' || Number.isNaN(x) && !/^nan$/i.test(t)) throw new UserError(`${text} is not a number`);
    if (size === 4) b.writeFloatLE(x); else if (size === 8) b.writeDoubleLE(x); else throw new UserError(`cannot set a ${size}-byte ${type}`);
    return b;
  }
  let n: bigint;
  const ch = /^'(.)'$/.exec(t);
  if (ch) n = BigInt(ch[1].charCodeAt(0));
  else if (t === 'true' || t === 'false') n = t === 'true' ? 1n : 0n;
  else if (/^-?(0x[0-9a-f]+|\d+)$/i.test(t)) n = t.startsWith('-') ? -BigInt(t.slice(1)) : BigInt(t);
  else throw new UserError(`${text} is not an integer (decimal, 0x..., 'c', true or false)`);
  const bits = BigInt(size * 8);
  if (n < -(1n << (bits - 1n)) || n >= 1n << bits) throw new UserError(`${text} does not fit in ${size} bytes (${type})`);
  const u = BigInt.asUintN(size * 8, n);
  for (let i = 0; i < size; i++) b[i] = Number((u >> BigInt(8 * i)) & 0xffn);
  return b;
}

/** `parent.member`, `parent[3]`, `*parent` as an expression the engine can read again. */
export function memberPath(parent: string, member: string): string {
  if (/^\[\d+\]$/.test(member)) return `${simple(parent)}${member}`;
  if (member.startsWith('*')) return `*${simple(parent)}`;
  if (/^[A-Za-z_]\w*$/.test(member)) return `${simple(parent)}.${member}`;
  return simple(parent);
}

/** An expression that needs no parentheses before a postfix operator stays as it is. */
function simple(e: string): string {
  return /^[A-Za-z_][\w.]*(\[\d+\])*$/.test(e) ? e : `(${e})`;
}

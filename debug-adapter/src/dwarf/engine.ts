/**
 * The DWARF engine: Chrome DevTools' C/C++ symbol backend (LLDB's DWARF reader, type system and
 * expression evaluator compiled to Wasm), as the npm package @vscode/dwarf-debugging runs it on a
 * Node worker thread (the package js-debug uses). It answers in Wasm terms: code offsets count
 * from the code section's content (Module.codeSectionStart), values are read through the host
 * interface below (a frame's Wasm locals and operand stack, the globals, linear memory) at a
 * "stop" we name. Nothing here knows DAP: sourcePoints.ts, sourceValues.ts and the stop view build on it.
 */
import { spawn, type IWasmWorker } from '@vscode/dwarf-debugging';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RuntimeValue } from '../runtimeClient';

type WasmValue = Awaited<ReturnType<Parameters<typeof spawn>[0]['getWasmLocal']>>;

/** One Wasm frame of a stopped program, as the engine reads it. */
export interface WasmFrameValues {
  locals: RuntimeValue[];
  stack: RuntimeValue[];
  globals: RuntimeValue[];
  memorySize: number;
  readMemory(addr: number, len: number): Promise<Buffer>;
  /** locals the compiler left out of the point's state (dead there): their saved value is 0, not theirs */
  deadLocals?: ReadonlySet<number>;
}

export interface SourceLocation {
  /** absolute path (or the URL's text when it is not a file URL) */
  path: string;
  /** 1-based */
  line: number;
  column: number;
}

/** A value as the engine describes it (Chrome's RemoteObject). */
export interface EngineValue {
  type: string;
  className?: string;
  description?: string;
  value?: unknown;
  objectId?: string;
  hasChildren: boolean;
  linearMemoryAddress?: number;
  linearMemorySize?: number;
}

export interface EngineVariable { scope: 'LOCAL' | 'PARAMETER' | 'GLOBAL' | string; name: string; type: string }

/** What an evaluation read of the frame: a dead local makes its result unknown ("optimized out"). */
export interface Reads { deadLocal: boolean; locals: Set<number>; memory: boolean }

interface Stop { frame: WasmFrameValues; reads: Reads }

/**
 * One engine worker and the host interface through which it reads the stop its requests name. It
 * holds at most one module at a time; enginePool.ts keeps it for the next session of the process.
 */
export class EngineWorker {
  readonly stops = new Map<number, Stop>();
  private readonly worker: IWasmWorker;
  private hello?: Promise<unknown>;
  private nextModule = 1;

  constructor() {
    const at = (stopId: unknown) => this.stops.get(stopId as number);
    // The worker asks synchronously (it blocks on a shared buffer until we answer): never throw here,
    // an exception would end the evaluation with a message that names none of our values.
    this.worker = spawn({
      getWasmLocal: async (i, stopId) => {
        const s = at(stopId);
        if (s) { s.reads.locals.add(i); if (s.frame.deadLocals?.has(i)) s.reads.deadLocal = true; }
        return wasmValue(s?.frame.locals[i]);
      },
      getWasmOp: async (i, stopId) => wasmValue(at(stopId)?.frame.stack[i]),
      getWasmGlobal: async (i, stopId) => wasmValue(at(stopId)?.frame.globals[i]),
      getWasmLinearMemory: async (offset, length, stopId) => {
        const s = at(stopId);
        const out = new Uint8Array(length);
        if (s) {
          s.reads.memory = true;
          const end = Math.min(offset + length, s.frame.memorySize);
          if (offset >= 0 && end > offset) out.set(await s.frame.readMemory(offset, end - offset).catch(() => new Uint8Array(0)));
        }
        return out.buffer;
      },
    });
  }

  get rpc(): IWasmWorker['rpc'] {
    return this.worker.rpc;
  }

  /** Loads a module's DWARF under a new id: the id and the module's source files (none: no DWARF). */
  async addModule(bytes: Uint8Array, modulePath: string): Promise<{ id: string; files: string[] }> {
    this.hello ??= Promise.resolve(this.worker.rpc.sendMessage('hello', [], false));
    await this.hello;
    const id = `module${this.nextModule++}`;
    const code = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const r = await this.worker.rpc.sendMessage('addRawModule', id, undefined, { url: pathToFileURL(modulePath).href, code });
    return { id, files: Array.isArray(r) ? r.map(urlPath) : [] };
  }

  /** Drops a module (its symbol backend's memory goes with it; the compiled backend stays for the next). */
  async removeModule(id: string): Promise<void> {
    this.stops.clear();
    await this.worker.rpc.sendMessage('removeRawModule', id);
  }

  async dispose(): Promise<void> {
    this.stops.clear();
    await this.worker.dispose().catch(() => undefined);
  }
}

export class DwarfEngine {
  private nextStop = 1;
  /** stops whose values may still be read (a value's children are read after its evaluation) */
  private live: number[] = [];

  /**
   * @param placements answers about the module's lines (they never change), kept with it for the
   * next session (enginePool.ts): placing bzip2's points on its lines took 0.4–0.6 s of requests
   */
  private constructor(
    readonly host: EngineWorker, readonly moduleId: string, readonly codeStart: number, readonly sourceFiles: string[],
    private readonly placements = new Map<string, Promise<unknown>>(),
  ) {}

  /** `ask()`'s answer, kept under `key` (a failed one is asked again next time). */
  private kept<T>(key: string, ask: () => Promise<T>): Promise<T> {
    let p = this.placements.get(key) as Promise<T> | undefined;
    if (!p) {
      p = ask();
      this.placements.set(key, p);
      p.catch(() => this.placements.delete(key));
    }
    return p;
  }

  private get stops(): Map<number, Stop> {
    return this.host.stops;
  }

  /**
   * Loads a module's DWARF on `host` (a new worker unless given); undefined when the module has
   * none. The worker is the engine's from then on: it ends when loading fails or finds no DWARF.
   */
  static async load(bytes: Uint8Array, modulePath: string, codeStart: number, host = new EngineWorker()): Promise<DwarfEngine | undefined> {
    try {
      const { id, files } = await host.addModule(bytes, modulePath);
      if (files.length > 0) return new DwarfEngine(host, id, codeStart, files);
    } catch (e) {
      await host.dispose();
      throw e;
    }
    await host.dispose();
    return undefined;
  }

  private disposed = false;

  /** The worker's RPC; a closed engine says so instead of leaving the request unanswered. */
  private get rpc() {
    if (this.disposed) throw new Error('the DWARF engine of this module was closed (the session ended or relaunched)');
    return this.host.rpc;
  }

  private raw(fileOffset: number, inlineFrameIndex = 0) {
    return { rawModuleId: this.moduleId, codeOffset: fileOffset - this.codeStart, inlineFrameIndex };
  }

  /** The source line of the code at a module offset, in inline frame `inline` (0: innermost). */
  async location(fileOffset: number, inline = 0): Promise<SourceLocation | undefined> {
    const locs = await this.rpc.sendMessage('rawLocationToSourceLocation', this.raw(fileOffset, inline));
    const l = locs[0];
    return l ? { path: urlPath(l.sourceFileURL), line: l.lineNumber + 1, column: Math.max(1, l.columnNumber) } : undefined;
  }

  /** The source functions at a module offset, innermost (inlined) first; empty when DWARF does not cover it. */
  async functions(fileOffset: number): Promise<string[]> {
    const r = await this.rpc.sendMessage('getFunctionInfo', this.raw(fileOffset));
    return 'frames' in r ? r.frames.map((f) => f.name) : [];
  }

  /** The lines of a source file that have code (1-based), ascending. */
  async mappedLines(path: string): Promise<number[]> {
    const rpc = this.rpc;
    return this.kept(`lines ${path}`, async () => {
      const r = await rpc.sendMessage('getMappedLines', this.moduleId, this.urlOf(path));
      return Array.isArray(r) ? r.map((l: number) => l + 1).sort((a: number, b: number) => a - b) : [];
    });
  }

  /** Module-offset ranges [start, end) of the code of a source line; empty when the line has none. */
  async lineRanges(path: string, line: number): Promise<[number, number][]> {
    const rpc = this.rpc;
    return this.kept(`ranges ${path}:${line}`, async () => {
      const r = await rpc.sendMessage('sourceLocationToRawLocation', { rawModuleId: this.moduleId, sourceFileURL: this.urlOf(path), lineNumber: line - 1, columnNumber: -1 });
      return r.map((x): [number, number] => [x.startOffset + this.codeStart, x.endOffset + this.codeStart]);
    });
  }

  /** The variables in scope at a module offset (inline frame `inline`). */
  async variables(fileOffset: number, inline = 0): Promise<EngineVariable[]> {
    return this.rpc.sendMessage('listVariablesInScope', this.raw(fileOffset, inline));
  }

  /**
   * Evaluates a source expression in a frame; what it read comes back with the value. Throws the
   * engine's message when the expression cannot be evaluated.
   */
  async evaluate(expression: string, fileOffset: number, inline: number, frame: WasmFrameValues): Promise<{ value: EngineValue; reads: Reads }> {
    const id = this.nextStop++;
    const reads: Reads = { deadLocal: false, locals: new Set(), memory: false };
    this.stops.set(id, { frame, reads });
    try {
      const v = await this.rpc.sendMessage('evaluate', expression, this.raw(fileOffset, inline), id);
      if (!v) throw new Error(`cannot evaluate ${expression}`);
      return { value: v as EngineValue, reads };
    } finally {
      this.live.push(id); // its children (getProperties) read through it later: kept until release()
    }
  }

  /** The members of a value (a struct's fields, an array's elements, what a pointer points to). */
  async properties(objectId: string): Promise<{ name: string; value: EngineValue }[]> {
    return (await this.rpc.sendMessage('getProperties', objectId)) as { name: string; value: EngineValue }[];
  }

  /** The program ran on: values of earlier stops are gone. */
  async release(): Promise<void> {
    for (const id of this.live) this.stops.delete(id);
    this.live = [];
  }

  /** Whether a path is one of the module's source files. */
  hasFile(path: string): boolean {
    return this.sourceFiles.includes(path);
  }

  private urlOf(path: string): string {
    return path.startsWith('/') ? pathToFileURL(path).href : path;
  }

  /** Closes this module's engine: its requests fail from now on; the worker goes with it. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.host.dispose();
  }

  /**
   * Closes this module's engine and hands its worker over (enginePool.ts): requests through this
   * object fail from now on; `reopen` gives the same module on the same worker a new one.
   */
  detach(): EngineWorker {
    this.disposed = true;
    this.stops.clear();
    return this.host;
  }

  /** The same module on the same worker, for a new session (after `detach`). */
  reopen(): DwarfEngine {
    return new DwarfEngine(this.host, this.moduleId, this.codeStart, this.sourceFiles, this.placements);
  }
}

function urlPath(url: string): string {
  try {
    return url.startsWith('file:') ? fileURLToPath(url) : url;
  } catch {
    return url;
  }
}

/** A Wasm value as the engine takes it (references as their table index, null as -1). */
function wasmValue(v: RuntimeValue | undefined): WasmValue {
  if (!v) return { type: 'i32', value: 0 };
  switch (v.type) {
    case 'i32': return { type: 'i32', value: v.value };
    case 'i64': return { type: 'i64', value: v.value };
    case 'f32': { const b = Buffer.alloc(4); b.writeUInt32LE(v.bits); return { type: 'f32', value: b.readFloatLE(0) }; }
    case 'f64': { const b = Buffer.alloc(8); b.writeBigUInt64LE(v.bits); return { type: 'f64', value: b.readDoubleLE(0) }; }
    case 'v128': {
      const b = Buffer.from(v.bytes);
      return { type: 'v128', value: `i32x4 ${[0, 4, 8, 12].map((o) => b.readInt32LE(o)).join(' ')}` };
    }
    default: return { type: 'i32', value: v.index ?? -1 };
  }
}

/**
 * DWARF engines kept across the debug sessions of one process. VS Code runs every wanco session
 * inline in its extension host (`wanco debug-adapter --server` serves its sessions from one process
 * too): a second F5 on an unchanged module takes the engine the last session closed, its module
 * loaded (loading it was 0.4–0.8 s of a warm start, more than the rest of it), and a session on
 * another module gets that engine's worker, whose symbol backend (58 MB of Wasm) is compiled
 * already. One engine is kept, for `idleMs` after its session closed it; a stdio adapter's process
 * ends with its session, and the engine with it.
 */
import { createHash } from 'node:crypto';
import { DwarfEngine, type EngineWorker } from './engine';

/** How long a closed session's engine waits for the next session before its worker ends. */
export const ENGINE_IDLE_MS = 10 * 60_000;

interface Parked { key: string; engine: DwarfEngine; timer: NodeJS.Timeout }

export class EnginePool {
  private parked?: Parked;
  /** the module each engine handed out was loaded for */
  private readonly keys = new WeakMap<DwarfEngine, string>();

  constructor(private readonly idleMs = ENGINE_IDLE_MS) {}

  /** The engine of a module (undefined: it has no DWARF): the kept one when it is this module's. */
  async load(bytes: Uint8Array, modulePath: string, codeStart: number): Promise<DwarfEngine | undefined> {
    const key = moduleKey(bytes, modulePath, codeStart);
    const kept = this.take();
    let engine: DwarfEngine | undefined;
    if (kept?.key === key) engine = kept.engine;
    else {
      let host: EngineWorker | undefined;
      if (kept) {
        host = kept.engine.detach();
        await host.removeModule(kept.engine.moduleId).catch(async () => { await host?.dispose(); host = undefined; });
      }
      engine = await DwarfEngine.load(bytes, modulePath, codeStart, host);
    }
    if (engine) this.keys.set(engine, key);
    return engine;
  }

  /**
   * A session is done with `engine` (loaded by `load`): it is kept for the next session, and the
   * one kept before ends. The session's object answers no more requests.
   */
  release(engine: DwarfEngine): void {
    const key = this.keys.get(engine);
    if (key === undefined) { void engine.dispose(); return; }
    const old = this.take();
    if (old) void old.engine.dispose();
    const kept = engine.reopen();
    engine.detach();
    const timer = setTimeout(() => { if (this.parked?.engine === kept) { this.parked = undefined; void kept.dispose(); } }, this.idleMs);
    timer.unref();
    this.parked = { key, engine: kept, timer };
  }

  /** Ends the kept engine's worker now. */
  async clear(): Promise<void> {
    await this.take()?.engine.dispose();
  }

  private take(): Parked | undefined {
    const p = this.parked;
    this.parked = undefined;
    if (p) clearTimeout(p.timer);
    return p;
  }
}

function moduleKey(bytes: Uint8Array, modulePath: string, codeStart: number): string {
  return `${createHash('sha256').update(bytes).digest('hex')}:${codeStart}:${modulePath}`;
}

/** The process's pool: every session of an extension host or adapter server shares it. */
export const enginePool = new EnginePool();

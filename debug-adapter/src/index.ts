/**
 * For the extension: an inline adapter (vscode.DebugAdapterInlineImplementation(createInlineSession()))
 * runs the session in the extension host; the stdio entry is main.ts.
 */
import { WancoDebugSession } from './session';

export { WancoDebugSession } from './session';
export type { WancoLaunchArgs } from './session';
export { RuntimeClient } from './runtimeClient';

/** A session for `new vscode.DebugAdapterInlineImplementation(session)`. */
export function createInlineSession(): WancoDebugSession {
  return new WancoDebugSession();
}

// .wat lines of a module's instructions and points (the language server's code lenses use them too).
export { instructionLines, WatSourceMap } from './sourceMap';
export { placePoints } from './pointLines';

/** What the `wanco` adapter tells the client it supports (the initialize response). */
import type { DebugProtocol } from '@vscode/debugprotocol';

export const CAPABILITIES: Readonly<DebugProtocol.Capabilities> = {
  supportsConfigurationDoneRequest: true,
  supportsFunctionBreakpoints: true,
  supportsLogPoints: true,
  supportsConditionalBreakpoints: true,
  supportsHitConditionalBreakpoints: true,
  supportsSetVariable: true,
  supportsReadMemoryRequest: true,
  supportsWriteMemoryRequest: true,
  supportsRestartRequest: true,
  supportsTerminateRequest: true,
  supportsSingleThreadExecutionRequests: false,
  supportsSteppingGranularity: false,
  supportsValueFormattingOptions: false,
  supportsEvaluateForHovers: true,
};

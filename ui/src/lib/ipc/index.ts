// The one door to the Rust side. Components call `ipc.*`, never `invoke` directly; argument and
// answer types come from `bindings.ts`, which is generated from the Rust types.
import { invoke } from '@tauri-apps/api/core';
import type { ErrorCode, IpcError, StartupReport } from './bindings';

export type * from './bindings';

/** A command that failed, with the code the UI branches on. */
export class CommandError extends Error {
  readonly code: ErrorCode;

  constructor(error: IpcError) {
    super(error.message);
    this.name = 'CommandError';
    this.code = error.code;
  }
}

function isIpcError(value: unknown): value is IpcError {
  return typeof value === 'object' && value !== null && 'code' in value && 'message' in value;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw new CommandError(isIpcError(error) ? error : { code: 'internal', message: String(error) });
  }
}

export const ipc = {
  /** What Dynasync needs before the first screen (the OS keychain keeps secrets). */
  startupCheck: (): Promise<StartupReport> => call('startup_check'),
};

// The one door to the Rust side. Components call `ipc.*`, never `invoke` directly; argument and
// answer types come from `bindings.ts`, which is generated from the Rust types.
import { invoke } from '@tauri-apps/api/core';
import type { Entry, ErrorCode, FieldError, IpcError, RecordError, Run, StartupReport, Status } from './bindings';

export type * from './bindings';

/** A command that failed, with the code the UI branches on. */
export class CommandError extends Error {
  readonly code: ErrorCode;
  readonly fields: FieldError[];

  constructor(error: IpcError) {
    super(error.message);
    this.name = 'CommandError';
    this.code = error.code;
    this.fields = error.fields;
  }
}

function isIpcError(value: unknown): value is IpcError {
  return typeof value === 'object' && value !== null && 'code' in value && 'message' in value;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw new CommandError(isIpcError(error) ? error : { code: 'internal', message: String(error), fields: [] });
  }
}

export const ipc = {
  /** What Dynasync needs before the first screen (the OS keychain keeps secrets). */
  startupCheck: (): Promise<StartupReport> => call('startup_check'),
  /** The sync's status now; changes arrive through `onStatus`. */
  status: (): Promise<Status> => call('status'),
  quickSync: (): Promise<void> => call('quick_sync'),
  pause: (): Promise<void> => call('pause'),
  resume: (): Promise<void> => call('resume'),
  runs: (limit: number): Promise<Run[]> => call('runs', { limit }),
  errors: (search: string | null): Promise<RecordError[]> => call('errors', { search }),
  retryErrors: (ids: number[] | null): Promise<number> => call('retry_errors', { ids }),
  why: (record: string, field: string | null): Promise<Entry[]> => call('why', { record, field }),
  language: (): Promise<string | null> => call('language'),
  setLanguage: (language: string): Promise<void> => call('set_language', { language }),
};

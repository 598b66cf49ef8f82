// The one door to the Rust side. Components call `ipc.*`, never `invoke` directly; argument and
// answer types come from `bindings.ts`, which is generated from the Rust types.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type {
  CheckReport,
  CustomEntityOption,
  DynamicsForm,
  DynamicsUser,
  Entry,
  EntityFields,
  ErrorCode,
  FieldError,
  IpcError,
  MarketoForm,
  MarketoList,
  MarketoPersonSummary,
  Overview,
  PersonRequest,
  Preview,
  RecordError,
  Run,
  SandboxEdit,
  SandboxFaults,
  SandboxPrefill,
  SandboxView,
  Selection,
  SetupState,
  StartupReport,
  Status,
  SyncAs,
  SyncOptions,
} from './bindings';

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

/** The event the Rust side sends on every status change. */
export const STATUS_EVENT = 'status';

export const ipc = {
  /** What Dynasync needs before the first screen (the OS keychain keeps secrets). */
  startupCheck: (): Promise<StartupReport> => call('startup_check'),
  /** Tells the Rust side the first screen is painted. */
  uiReady: (): Promise<void> => call('ui_ready'),
  /** The sync's status now; changes arrive through `onStatus`. */
  status: (): Promise<Status> => call('status'),
  overview: (): Promise<Overview> => call('overview'),
  quickSync: (): Promise<void> => call('quick_sync'),
  pause: (): Promise<void> => call('pause'),
  resume: (): Promise<void> => call('resume'),
  confirm: (): Promise<void> => call('confirm'),
  disconnect: (): Promise<void> => call('disconnect'),
  runs: (limit: number): Promise<Run[]> => call('runs', { limit }),
  errors: (search: string | null): Promise<RecordError[]> => call('errors', { search }),
  retryErrors: (ids: number[] | null): Promise<number> => call('retry_errors', { ids }),
  exportErrors: (search: string | null): Promise<string> => call('export_errors', { search }),
  why: (record: string, field: string | null): Promise<Entry[]> => call('why', { record, field }),
  language: (): Promise<string | null> => call('language'),
  setLanguage: (language: string): Promise<void> => call('set_language', { language }),

  setupState: (): Promise<SetupState> => call('setup_state'),
  chooseSandbox: (): Promise<SandboxPrefill> => call('choose_sandbox'),
  chooseOwnSystems: (): Promise<void> => call('choose_own_systems'),
  checkDynamics: (form: DynamicsForm): Promise<CheckReport> => call('check_dynamics', { form }),
  checkMarketo: (form: MarketoForm): Promise<CheckReport> => call('check_marketo', { form }),
  catalog: (): Promise<EntityFields[]> => call('catalog'),
  customEntities: (): Promise<CustomEntityOption[]> => call('custom_entities'),
  saveSelection: (selection: Selection): Promise<void> => call('save_selection', { selection }),
  options: (): Promise<SyncOptions> => call('options'),
  setOptions: (options: SyncOptions): Promise<void> => call('set_options', { options }),
  marketoLists: (): Promise<MarketoList[]> => call('marketo_lists'),
  preview: (): Promise<Preview> => call('preview'),
  finishSetup: (): Promise<void> => call('finish_setup'),

  findMarketoPeople: (email: string): Promise<MarketoPersonSummary[]> => call('find_marketo_people', { email }),
  dynamicsUsers: (): Promise<DynamicsUser[]> => call('dynamics_users'),
  syncPersonToDynamics: (marketoId: number, syncAs: SyncAs, owner: string | null): Promise<boolean> =>
    call('sync_person_to_dynamics', { marketoId, syncAs, owner }),
  personRequests: (): Promise<PersonRequest[]> => call('person_requests'),

  sandboxView: (): Promise<SandboxView> => call('sandbox_view'),
  sandboxEdit: (edit: SandboxEdit): Promise<void> => call('sandbox_edit', { edit }),
  sandboxSimulate: (): Promise<void> => call('sandbox_simulate'),
  sandboxFaults: (faults: SandboxFaults): Promise<void> => call('sandbox_faults', { faults }),

  /** Calls `listener` on every status change until the returned function is called. */
  onStatus: (listener: (status: Status) => void): Promise<UnlistenFn> =>
    listen<Status>(STATUS_EVENT, (event) => listener(event.payload)),
};

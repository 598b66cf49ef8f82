// Turns a failed command into per-field messages (from the backend's field problems) or one
// message for the whole step.
import { CommandError, type FieldError, type FormField } from '../lib/ipc';

export type FieldErrors = Partial<Record<FormField, FieldError['problem']>>;

export function fieldErrors(error: unknown): { fields: FieldErrors; message: string | null } {
  if (error instanceof CommandError && error.code === 'invalidInput' && error.fields.length > 0) {
    const fields: FieldErrors = {};
    for (const f of error.fields) fields[f.field] = f.problem;
    return { fields, message: null };
  }
  return { fields: {}, message: error instanceof Error ? error.message : String(error) };
}

// How values, times and durations read on screen.
import type { Value } from './ipc';

/** A synced field value as text; empty for none. */
export function formatValue(value: Value | null | undefined): string {
  if (!value || value.t === 'null') return '—';
  return String(value.v);
}

/** A timestamp in the user's locale. */
export function formatTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(locale, { dateStyle: 'short', timeStyle: 'medium' });
}

/** Seconds as `m:ss` (or `h:mm:ss`). */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

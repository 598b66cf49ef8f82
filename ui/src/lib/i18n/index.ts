// The message catalogue (English and French) and the current locale.
// Every string the user sees goes through `$_('key')`, whose keys are typed from `en.json`; the
// catalogue test keeps French complete. The chosen language is kept by the engine, so the tray and
// notifications speak it too.
import i18next from 'i18next';
import { derived, writable } from 'svelte/store';
import { ipc } from '../ipc';
import en from './en.json';
import fr from './fr.json';

export const LOCALES = [
  { code: 'en', label: 'English' },
  { code: 'fr', label: 'Français' },
] as const;

export type Locale = (typeof LOCALES)[number]['code'];

/** Every dotted path to a message in the English catalogue, e.g. `welcome.title`. */
type Paths<T> = {
  [K in keyof T & string]: T[K] extends string ? K : `${K}.${Paths<T[K]>}`;
}[keyof T & string];
export type MessageKey = Paths<typeof en>;

const current = writable<Locale>('en');

/** The supported locale closest to a BCP 47 tag such as `fr-CA`. */
export function pickLocale(tag: string | null | undefined): Locale {
  return tag?.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

/** Starts i18n in the system's language, then switches to the one chosen earlier, if any. */
export async function setupI18n(): Promise<void> {
  const initial = pickLocale(globalThis.navigator?.language);
  void i18next.init({
    resources: { en: { translation: en }, fr: { translation: fr } },
    lng: initial,
    fallbackLng: 'en',
    // Svelte escapes what it renders; escaping here too would show `&amp;` to the user.
    interpolation: { escapeValue: false },
    initAsync: false,
  });
  apply(initial);
  try {
    const saved = await ipc.language();
    if (saved) apply(pickLocale(saved));
  } catch {
    // The language is a nicety: the UI stays in the system's language if the engine cannot say.
  }
}

/** Switches the UI language and remembers the choice. */
export async function setLocale(code: Locale): Promise<void> {
  apply(code);
  await ipc.setLanguage(code);
}

function apply(code: Locale): void {
  void i18next.changeLanguage(code);
  document.documentElement.lang = code;
  current.set(code);
}

/** The current locale, as a store. */
export const locale = { subscribe: current.subscribe };

/** The translate function for the current locale: `$_('welcome.title')`. */
export const _ = derived(
  current,
  (code) =>
    (key: MessageKey, values?: Record<string, string | number>): string =>
      i18next.t(key, { ...values, lng: code }),
);

// The message catalogue (English and French) and the current locale.
// Every string the user sees goes through `$_('key')`, whose keys are typed from `en.json`; the
// catalogue test keeps French complete.
import i18next from 'i18next';
import { derived, writable } from 'svelte/store';
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

const STORAGE_KEY = 'dynasync.locale';
const current = writable<Locale>('en');

/** The supported locale closest to a BCP 47 tag such as `fr-CA`. */
export function pickLocale(tag: string | null | undefined): Locale {
  return tag?.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

/** Starts i18n with the locale chosen earlier, else the system's. */
export function setupI18n(): void {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  const initial = pickLocale(saved ?? globalThis.navigator?.language);
  void i18next.init({
    resources: { en: { translation: en }, fr: { translation: fr } },
    lng: initial,
    fallbackLng: 'en',
    // Svelte escapes what it renders; escaping here too would show `&amp;` to the user.
    interpolation: { escapeValue: false },
    initAsync: false,
  });
  apply(initial);
}

/** Switches the UI language and remembers the choice. */
export function setLocale(code: Locale): void {
  void i18next.changeLanguage(code);
  globalThis.localStorage?.setItem(STORAGE_KEY, code);
  apply(code);
}

function apply(code: Locale): void {
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

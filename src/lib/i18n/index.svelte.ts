import type { MessageKey } from './en';
import { translate, type Locale } from './translate';

export type { Locale };
export const locales: { id: Locale; name: string }[] = [
  { id: 'en', name: 'English' },
  { id: 'zh-CN', name: '简体中文' },
];

const STORAGE_KEY = 'ovmf-gop.locale';

/** The browser's preference, unless the user chose before. */
function initialLocale(): Locale {
  if (typeof localStorage !== 'undefined') {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'zh-CN') return saved;
  }
  if (typeof navigator !== 'undefined' && navigator.language?.toLowerCase().startsWith('zh')) {
    return 'zh-CN';
  }
  return 'en';
}

export const i18n = $state({ locale: 'en' as Locale });

export function initLocale(): void {
  setLocale(initialLocale(), false);
}

export function setLocale(locale: Locale, remember = true): void {
  i18n.locale = locale;
  if (typeof document !== 'undefined') document.documentElement.lang = locale;
  if (remember && typeof localStorage !== 'undefined') localStorage.setItem(STORAGE_KEY, locale);
}

/** Looks up a message in the current language and fills `{name}` placeholders. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return translate(i18n.locale, key, params);
}

/**
 * Message lookup for a given language, without the page's reactive state: the zip's README and
 * the generated file comments are written in the chosen language by plain code.
 */
import { en, type MessageKey } from './en';
import { zhCN } from './zh-CN';

export type Locale = 'en' | 'zh-CN';

const catalogues: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

/** Looks up a message and fills `{name}` placeholders. */
export function translate(
  locale: Locale,
  key: MessageKey,
  params: Record<string, string | number> = {},
): string {
  const text = catalogues[locale][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (m, name: string) =>
    name in params ? String(params[name]) : m,
  );
}

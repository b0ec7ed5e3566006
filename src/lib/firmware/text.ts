/**
 * Text the core writes for people, in every language the app speaks. Each module keeps its own
 * catalogue of templates with `{name}` placeholders; the UI shows `text[lang]`, the CLI `.en`.
 * Values filled into a placeholder (GUIDs, names, versions, platform strings) stay verbatim.
 */

export interface Text {
  en: string;
  'zh-CN': string;
}

export type Lang = keyof Text;

export const LANGS: readonly Lang[] = ['en', 'zh-CN'];

/** A placeholder value: data shown as is, or a text that is itself translated. */
export type TextParam = string | number | Text;

export type TextParams = Record<string, TextParam>;

/** Templates per key: [English, Simplified Chinese]. */
export type Templates = Record<string, readonly [string, string]>;

function fill(template: string, lang: Lang, params?: TextParams): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (m, k: string) => {
    if (!(k in params)) return m;
    const v = params[k];
    return typeof v === 'object' ? v[lang] : String(v);
  });
}

export interface Catalogue<K extends string> {
  keys: readonly K[];
  /** The message in every language, with placeholders filled (unfilled ones are left as `{name}`). */
  t(key: K, params?: TextParams): Text;
}

export function catalogue<T extends Templates>(templates: T): Catalogue<keyof T & string> {
  return {
    keys: Object.keys(templates) as (keyof T & string)[],
    t(key, params) {
      const [en, zh] = templates[key];
      return { en: fill(en, 'en', params), 'zh-CN': fill(zh, 'zh-CN', params) };
    },
  };
}

/** Several texts as one, with a separator per language (by default a space, none in Chinese). */
export function joinText(parts: readonly Text[], separator: Text = { en: ' ', 'zh-CN': '' }): Text {
  return {
    en: parts.map((p) => p.en).join(separator.en),
    'zh-CN': parts.map((p) => p['zh-CN']).join(separator['zh-CN']),
  };
}

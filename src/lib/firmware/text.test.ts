import { describe, expect, it } from 'vitest';
import { MESSAGE_KEYS, t as configText } from './config/messages';
import { gopMessages } from './gop/messages';
import { ovmfMessages } from './ovmf/messages';
import { catalogue, joinText, LANGS, type Text } from './text';

/** Every catalogue of the core, with its templates (placeholders left unfilled). */
const CATALOGUES: Record<string, { key: string; text: Text }[]> = {
  config: MESSAGE_KEYS.map((key) => ({ key, text: configText(key) })),
  gop: gopMessages.keys.map((key) => ({ key, text: gopMessages.t(key) })),
  ovmf: ovmfMessages.keys.map((key) => ({ key, text: ovmfMessages.t(key) })),
};

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('text catalogues', () => {
  for (const [name, entries] of Object.entries(CATALOGUES)) {
    it(`${name}: every entry has both languages, non-empty, with the same placeholders`, () => {
      expect(entries.length).toBeGreaterThan(0);
      for (const { key, text } of entries) {
        expect(Object.keys(text).sort(), key).toEqual([...LANGS].sort());
        for (const lang of LANGS) expect(text[lang].trim(), `${key} ${lang}`).not.toBe('');
        // The Chinese must be Chinese, not a copy of the English.
        expect(text['zh-CN'], key).toMatch(/[\u4e00-\u9fff]/);
        expect(placeholders(text['zh-CN']), key).toEqual(placeholders(text.en));
      }
    });
  }

  it('fills data verbatim and a nested text in the same language', () => {
    const c = catalogue({
      outer: ['{file}: {why} ({n})', '{file}：{why}（{n}）'],
      inner: ['a reason', '一个原因'],
    });
    expect(c.t('outer', { file: 'IntelGopVbt', why: c.t('inner'), n: 3 })).toEqual({
      en: 'IntelGopVbt: a reason (3)',
      'zh-CN': 'IntelGopVbt：一个原因（3）',
    });
    // A placeholder without a value stays visible rather than turning into "undefined".
    expect(c.t('outer', { n: 1 }).en).toBe('{file}: {why} (1)');
    expect(joinText([c.t('inner'), c.t('inner')], { en: '; ', 'zh-CN': '；' })).toEqual({
      en: 'a reason; a reason',
      'zh-CN': '一个原因；一个原因',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { joinText, MESSAGE_KEYS, t } from './messages';

describe('messages', () => {
  it('has English and Chinese text with the same placeholders for every key', () => {
    for (const key of MESSAGE_KEYS) {
      const m = t(key);
      expect(m.en.trim().length, key).toBeGreaterThan(0);
      expect(m['zh-CN'].trim().length, key).toBeGreaterThan(0);
      // The Chinese text must actually be Chinese.
      expect(/[\u4e00-\u9fff]/.test(m['zh-CN']), key).toBe(true);
      const ph = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((x) => x[1]).sort();
      expect(ph(m['zh-CN']), key).toEqual(ph(m.en));
    }
  });
  it('fills placeholders and joins', () => {
    expect(t('modprobe.ids', { id: '8086:46a6' }).en).toContain('8086:46a6');
    expect(joinText([t('modules.vfio'), t('modules.vfioPci')]).en).toBe(
      `${t('modules.vfio').en} ${t('modules.vfioPci').en}`,
    );
  });
});

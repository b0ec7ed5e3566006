/**
 * Where a GOP's version and generation were read, for people: a nameless GOP's version comes from
 * beside its controller name, and a GOP whose major no line is known for is named by its
 * device-ID table — the UI and CLI say which, rather than "unknown".
 */
import type { Text } from '../text';
import type { GopInfo } from './gop-info';
import { gopMessages } from './messages';

const { t } = gopMessages;

export interface GopProvenance {
  /** Where the version came from, or that the image holds none. */
  version: Text;
  /** What named the generation, when one is named. */
  generation?: Text;
}

export function gopProvenance(
  info: Pick<GopInfo, 'versionSource' | 'major' | 'generation' | 'versionRejected'>,
): GopProvenance {
  const version = t(info.versionSource ? `gop.from.${info.versionSource}` : 'gop.from.none');
  const gen = info.generation;
  if (!gen) return { version };
  if (gen.basis === 'version')
    return { version, generation: t('gop.generation.fromVersion', { major: info.major! }) };
  const rejected = info.versionRejected;
  const why = rejected
    ? t('gop.generation.versionDisagrees', {
        version: rejected.text,
        generation: rejected.generation ?? t('gop.generation.unknownMajor'),
      })
    : info.major === undefined
      ? t('gop.generation.noVersion')
      : t('gop.generation.unmappedMajor', { major: info.major });
  return { version, generation: t('gop.generation.fromIds', { why }) };
}

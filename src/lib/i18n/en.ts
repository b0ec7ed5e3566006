/** The English catalogue; every UI string lives here and in zh-CN.ts under the same keys. */
export const en = {
  'app.title': 'OVMF GOP Patcher',
  'app.tagline':
    'Intel GOP driver and VBT from your own BIOS, for a Proxmox VM that shows its boot screen on the passed-through iGPU.',
  'app.privacy': 'Works offline. Nothing is uploaded: every file is processed in this browser tab.',
  'lang.label': 'Language',
  'drop.title': 'Drop a firmware file here',
  'drop.hint': 'A vendor BIOS, an OVMF image, a GOP driver (.efi), a VBT or an option ROM.',
  'drop.choose': 'Choose a file…',
  'job.working': 'Working on {name}…',
  'job.cancel': 'Cancel',
  'job.cancelled': 'Cancelled.',
  'result.file': 'File',
  'result.size': 'Size',
  'result.bytes': '{n} bytes',
  'result.sha256': 'SHA-256',
  'result.kind': 'Kind',
  'result.at': 'at offset {offset}',
  'error.title': 'This file could not be read',
  'error.generic': 'Something went wrong: {message}',
  'offline.ready': 'Ready to work offline.',
} as const;

export type MessageKey = keyof typeof en;

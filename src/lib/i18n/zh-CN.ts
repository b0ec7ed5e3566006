import type { MessageKey } from './en';

export const zhCN: Record<MessageKey, string> = {
  'app.title': 'OVMF GOP 修补工具',
  'app.tagline':
    '从你自己的主板 BIOS 中提取 Intel GOP 驱动和 VBT，让 Proxmox 虚拟机在直通的核显上显示启动画面。',
  'app.privacy': '可离线使用，不上传任何内容：所有文件都在此浏览器标签页中处理。',
  'lang.label': '语言',
  'drop.title': '将固件文件拖放到此处',
  'drop.hint': '厂商 BIOS、OVMF 镜像、GOP 驱动（.efi）、VBT 或选项 ROM。',
  'drop.choose': '选择文件…',
  'job.working': '正在处理 {name}…',
  'job.cancel': '取消',
  'job.cancelled': '已取消。',
  'result.file': '文件',
  'result.size': '大小',
  'result.bytes': '{n} 字节',
  'result.sha256': 'SHA-256',
  'result.kind': '类型',
  'result.at': '位于偏移 {offset}',
  'error.title': '无法读取此文件',
  'error.generic': '出错了：{message}',
  'offline.ready': '已可离线使用。',
};

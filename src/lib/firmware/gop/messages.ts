/**
 * What the GOP/VBT finder and ranking tell people: why a candidate ranks where it does, what is
 * wrong with it, why a copy was set aside. English and Simplified Chinese; placeholders hold data
 * (GUIDs, file names, versions, platform strings) that stays as it is in both.
 */
import { catalogue } from '../text';

const TEMPLATES = {
  // Where a GOP sits, and so when firmware starts it.
  'gop.place.dxeDriver': [
    'a DXE driver file, started by the DXE dispatcher',
    'DXE 驱动文件，由 DXE 调度器加载',
  ],
  'gop.place.amiOpromContainer': [
    "in AMI's option-ROM container file, started by the CSM/OpROM policy",
    '位于 AMI 的 Option ROM 容器文件中，由 CSM/OpROM 策略加载',
  ],
  'gop.place.optionRom': ['an EFI option-ROM image', 'EFI Option ROM 映像'],
  'gop.place.bare': ['a bare driver image', '单独的驱动映像'],
  'gop.place.byContent': ['found by content in a non-driver file', '按内容在非驱动文件中找到'],
  'gop.knownFile': [
    'file GUID {guid} is a known Intel GOP driver file ({name})',
    '文件 GUID {guid} 是已知的 Intel GOP 驱动文件（{name}）',
  ],
  // Why an image counts as an Intel GOP (gop/identify.ts).
  'gop.id.nameString': [
    'the image names itself "Intel(R) GOP Driver"',
    '映像中写有 "Intel(R) GOP Driver"',
  ],
  'gop.id.protocols': [
    'the image holds the Graphics Output and EDID protocol GUIDs a GOP installs',
    '映像中含有 GOP 安装的图形输出协议和 EDID 协议 GUID',
  ],
  'gop.id.deviceIds': ['its device-ID table names {families}', '其设备 ID 表列出 {families}'],
  'gop.id.fileGuid': [
    'file GUID {guid} is a known Intel GOP file',
    '文件 GUID {guid} 是已知的 Intel GOP 文件',
  ],
  'gop.id.uiName': ['the file is named {name}', '文件名为 {name}'],
  'gop.id.confidence.high': ['confidence: high', '可信度：高'],
  'gop.id.confidence.medium': [
    'confidence: medium (no "Intel(R) GOP Driver" string and no GOP file name; identified by its contents)',
    '可信度：中（没有 "Intel(R) GOP Driver" 字符串，也没有 GOP 文件名；按映像内容识别）',
  ],
  'gop.id.rejectedNoProtocols': [
    'named like an Intel GOP, but the image holds none of the Graphics Output/EDID protocols a GOP installs; not a GOP',
    '名称像 Intel GOP，但映像中没有 GOP 会安装的图形输出/EDID 协议，因此不是 GOP',
  ],
  'gop.id.rejectedNoIds': [
    'named like an Intel GOP, but the image lists no Intel iGPU device IDs; not an Intel GOP',
    '名称像 Intel GOP，但映像中没有 Intel 核显设备 ID 表，因此不是 Intel GOP',
  ],
  'gop.lead.only': ['the only live GOP', '唯一有效的 GOP'],
  'gop.lead.firstDxe': ['first live GOP in DXE order', '按 DXE 加载顺序排第一的有效 GOP'],
  'gop.lead.first': ['first live GOP found', '找到的第一个有效 GOP'],
  'gop.warn.generationUnknown': [
    'generation unknown (version major not recognised)',
    '代次未知（无法识别主版本号）',
  ],
  'gop.warn.versionMissing': ['version not found in the image', '映像中找不到版本号'],
  'gop.warn.versionPartial': [
    'version only partly stored: {version}',
    '映像中只存有部分版本号：{version}',
  ],
  'gop.warn.versionDisagrees.ffs-version': [
    "the FFS file's version section says {version} ({generation}), but the device-ID table names {families}: not taken as the GOP version (likely the module's own version)",
    'FFS 文件的版本节写的是 {version}（{generation}），但设备 ID 表列出的是 {families}：不作为 GOP 版本号（多半是模块自己的版本号）',
  ],
  'gop.warn.versionDisagrees.beside-controller': [
    'the version {version} read beside the graphics-controller name is for {generation}, but the device-ID table names {families}: not taken as the GOP version',
    '显卡控制器名称旁读到的版本号 {version} 对应 {generation}，但设备 ID 表列出的是 {families}：不作为 GOP 版本号',
  ],
  'gop.generation.unknownMajor': ['no known GOP line', '没有已知的 GOP 产品线'],
  'gop.generation.versionDisagrees': [
    'the version {version} it was given names {generation}, which the table does not',
    '所给版本号 {version} 对应 {generation}，与设备 ID 表不符',
  ],
  // Where a GOP's version and generation were read (gop/provenance.ts).
  'gop.from.whole-string': ['written out whole in the image', '映像中完整写出'],
  'gop.from.beside-name': [
    'read beside the "Intel(R) GOP Driver" name in the image',
    '读自映像中 GOP 驱动名称字符串旁',
  ],
  'gop.from.beside-controller': [
    'read beside the graphics-controller name (the image lacks "Intel(R) GOP Driver")',
    '读自显卡控制器名称旁（映像中没有 GOP 驱动名称字符串）',
  ],
  'gop.from.ffs-version': [
    "from the FFS file's version section (the image itself holds none)",
    '取自 FFS 文件的版本节（映像本身没有版本号）',
  ],
  'gop.from.none': ['not stored in the image', '映像中没有存储版本号'],
  'gop.generation.fromVersion': ['from the version major {major}', '依据主版本号 {major}'],
  'gop.generation.fromIds': ['from its device-ID table ({why})', '依据其设备 ID 表（{why}）'],
  'gop.generation.noVersion': ['the image holds no version', '映像中没有版本号'],
  'gop.generation.unmappedMajor': [
    'version major {major} is not mapped to a generation',
    '主版本号 {major} 没有对应的代次',
  ],

  // Where a VBT sits, and so who reads it.
  'vbt.place.dxeGuid': [
    'file GUID is the Intel VBT file {name}',
    '文件 GUID 对应 Intel VBT 文件 {name}',
  ],
  'vbt.place.dxeName': [
    'file is named {name}, the VBT a GOP policy reads',
    '文件名为 {name}，即 GOP 策略读取的 VBT',
  ],
  'vbt.place.pei': ['the PEI graphics VBT ({file})', 'PEI 阶段图形初始化用的 VBT（{file}）'],
  'vbt.place.panel': [
    'a per-panel VBT ({file}), used only when board setup selects that panel',
    '针对特定面板的 VBT（{file}），仅在主板设置选中该面板时使用',
  ],
  'vbt.place.named': ['a VBT file named {name}', '名为 {name} 的 VBT 文件'],
  'vbt.place.bare': ['a bare VBT', '单独的 VBT'],
  'vbt.place.byContent': ['found by content in {file}', '按内容在 {file} 中找到'],
  'vbt.copy': ['identical copy {file}: {why}', '相同的副本 {file}：{why}'],
  'vbt.generationMatches': ['generation matches the GOP ({code})', '代次与 GOP 相符（{code}）'],
  'vbt.warn.generationMismatch': [
    'generation mismatch: VBT is for {vbt} ({platform}), the GOP for {gop}',
    '代次不符：VBT 适用于 {vbt}（{platform}），而 GOP 适用于 {gop}',
  ],
  'vbt.warn.badChecksum': [
    'VBT checksum is bad (Linux i915 and most GOPs accept it anyway)',
    'VBT 校验和错误（Linux i915 和大多数 GOP 仍会接受）',
  ],
  'vbt.lead.only': ['the only live VBT', '唯一有效的 VBT'],
  'vbt.lead.best': ['best match', '最佳匹配'],

  // Shared by both lists.
  'rank.after': ['ranked after {first}', '排在 {first} 之后'],
  'file.checkFailed': ['enclosing file: {check} failed', '所在文件：{check} 未通过'],
  'file.checkFailedDetail': [
    'enclosing file: {check} failed ({detail})',
    '所在文件：{check} 未通过（{detail}）',
  ],

  // Copies set aside.
  'ignored.peUnreadable': ['PE headers unreadable: {error}', '无法读取 PE 头：{error}'],
  'ignored.deleted': [
    'file {guid} is marked {state}; firmware never loads it',
    '文件 {guid} 被标记为 {state}，固件不会加载它',
  ],
  'ignored.deletedNoGuid': [
    'file is marked {state}; firmware never loads it',
    '文件被标记为 {state}，固件不会加载它',
  ],

  // The image as a whole.
  'image.nothing': [
    'no Intel GOP driver and no VBT found',
    '既没有找到 Intel GOP 驱动，也没有找到 VBT',
  ],
  'image.noGop': ['no Intel GOP driver found (only VBTs)', '没有找到 Intel GOP 驱动（只有 VBT）'],
  'image.vbtWithoutGop': [
    'This BIOS has a {generation} VBT ({platform}, BDB {bdb}) but no Intel GOP driver: the GOP is not in this image, so the VM cannot get one from it. What you can do: take the GOP from another BIOS of the same {generation} platform family (a board or mini-PC update with that iGPU) and check that its device-ID list includes your iGPU ({ids}; lspci -nn shows yours as 8086:xxxx). Keep this VBT.',
    '此 BIOS 含有 {generation} 的 VBT（{platform}，BDB {bdb}），但没有 Intel GOP 驱动：GOP 不在这个映像里，虚拟机无法从中获得 GOP。可以这样做：从同一 {generation} 平台家族的另一个 BIOS（使用同款核显的主板或迷你主机的更新包）中提取 GOP，并确认其设备 ID 列表包含你的核显（{ids}；lspci -nn 显示为 8086:xxxx）。此 VBT 可以继续使用。',
  ],
  'image.idsUnknown': ['its 8086:xxxx ID', '其 8086:xxxx ID'],
  'image.noVbt': [
    'no VBT found; the GOP needs one from the platform',
    '没有找到 VBT；GOP 需要由平台提供 VBT',
  ],
  'image.severalGops': [
    '{count} different GOP drivers of {lines} version lines',
    '共有 {count} 个不同的 GOP 驱动，分属 {lines} 个版本系列',
  ],

  // AMD graphics: the AMD GOP driver and the APU's VBIOS (amd/).
  'amd.gop.lead.only': ['the only live AMD GOP', '唯一有效的 AMD GOP'],
  'amd.gop.lead.firstDxe': [
    'first live AMD GOP in DXE order',
    '按 DXE 加载顺序排第一的有效 AMD GOP',
  ],
  'amd.gop.lead.first': ['first live AMD GOP found', '找到的第一个有效 AMD GOP'],
  'amd.rom.over128k': [
    'the combined ROM is {size} bytes, more than 128 KiB: OVMF reads it whole from the ROM BAR QEMU sizes to the file, but the discrete-card ROMs it copies stay within 128 KiB (their flash, and the 0xC0000-0xDFFFF legacy area)',
    '合并 ROM 为 {size} 字节，超过 128 KiB：OVMF 会从 QEMU 按文件大小设置的 ROM BAR 完整读取它，但它所仿照的独立显卡 ROM 都不超过 128 KiB（闪存容量以及 0xC0000-0xDFFFF 传统区域）',
  ],
  'amd.rom.deviceMismatch': [
    '--device-id {given} differs from the VBIOS PCIR device {vbios}; the ROMs use {given}',
    '--device-id {given} 与 VBIOS PCIR 中的设备 {vbios} 不同；ROM 使用 {given}',
  ],
  'amd.rom.unknownDevice': [
    'device {id} is not in the AMD APU table; the GOP-only ROM is marked 1002:FFFF',
    '设备 {id} 不在 AMD APU 表中；仅含 GOP 的 ROM 标注为 1002:FFFF',
  ],
  'amd.rom.familyMismatch': [
    'the VBIOS is for {vbios} but --device-id names {given}',
    'VBIOS 适用于 {vbios}，但 --device-id 指定的是 {given}',
  ],
  'amd.rom.vbiosHadMore': [
    'more images follow the VBIOS in its file; only the VBIOS is used',
    'VBIOS 文件中在 VBIOS 之后还有其他映像；只使用 VBIOS',
  ],
  'amd.gop.pciIds': [
    'its option-ROM image is marked for {ids} ({families})',
    '其 Option ROM 映像标注的设备为 {ids}（{families}）',
  ],
  'amd.pei.reported': [
    '32-bit PEI GOP ({machine}) at {path}: reported, never offered (OVMF runs x64 DXE drivers only)',
    '32 位 PEI GOP（{machine}）位于 {path}：仅报告，不提供使用（OVMF 只运行 x64 DXE 驱动）',
  ],
  'amd.vbios.place.amiOpromContainer': [
    "a legacy option-ROM image in AMI's option-ROM container file",
    '位于 AMI 的 Option ROM 容器文件中的传统 Option ROM 映像',
  ],
  'amd.vbios.place.inFile': [
    'a legacy option-ROM image in file {file}',
    '位于文件 {file} 中的传统 Option ROM 映像',
  ],
  'amd.vbios.place.bare': ['a bare VBIOS image', '单独的 VBIOS 映像'],
  'amd.vbios.lead.only': ['the only live APU VBIOS', '唯一有效的 APU VBIOS'],
  'amd.vbios.lead.first': ['first live APU VBIOS found', '找到的第一个有效 APU VBIOS'],
  'amd.vbios.warn.unknownDevice': [
    'device ID {id} is not in the AMD APU table; family unknown',
    '设备 ID {id} 不在 AMD APU 表中，系列未知',
  ],
  'amd.vbios.warn.noVersion': ['no ATOM BIOS version string found', '找不到 ATOM BIOS 版本字符串'],
  'amd.warn.familyMismatch': [
    'family mismatch: the VBIOS is for {vbios}, the GOP image is marked for {gop}',
    '系列不符：VBIOS 适用于 {vbios}，而 GOP 映像标注的是 {gop}',
  ],
  'amd.image.noGop': [
    'APU VBIOS found but no x64 AMD GOP driver',
    '找到了 APU VBIOS，但没有 x64 AMD GOP 驱动',
  ],
  'amd.image.noVbios': ['AMD GOP found but no APU VBIOS', '找到了 AMD GOP，但没有 APU VBIOS'],
  // {intel}: "Intel GOP", or "Intel VBT" when the image holds no readable Intel GOP.
  'amd.image.discreteGop': [
    'AMD GOP beside an {intel} and no APU VBIOS: a GOP for discrete Radeon cards; the iGPU here is Intel',
    'AMD GOP 与 {intel} 并存且没有 APU VBIOS：这是给独立 Radeon 显卡用的 GOP，这里的核显是 Intel',
  ],
  'amd.image.discreteVbios': [
    "AMD VBIOS {id} beside an {intel}, and not an APU the table holds: a discrete Radeon GPU's VBIOS; the iGPU here is Intel",
    'AMD VBIOS {id} 与 {intel} 并存，且不在 APU 表中：这是独立 Radeon 显卡的 VBIOS，这里的核显是 Intel',
  ],
} as const satisfies Record<string, readonly [string, string]>;

export type GopMessageKey = keyof typeof TEMPLATES;

export const gopMessages = catalogue(TEMPLATES);

/** Ranking reasons are clauses joined like this. */
export const CLAUSE_SEPARATOR = { en: '; ', 'zh-CN': '；' };

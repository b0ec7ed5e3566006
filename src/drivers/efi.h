/*
 * efi.h: the few UEFI/PI types our drivers use, written from the UEFI 2.x and PI 1.x
 * specifications (no edk2 checkout). Only the members we call are typed; the others are
 * kept as opaque pointers so every table keeps its spec layout (x86-64, MS ABI).
 */
#ifndef OGP_EFI_H
#define OGP_EFI_H

typedef unsigned char UINT8;
typedef unsigned short UINT16;
typedef unsigned int UINT32;
typedef unsigned long long UINT64;
typedef long long INT64;
typedef UINT64 UINTN;
typedef UINT8 BOOLEAN;
typedef unsigned short CHAR16; /* built with -fshort-wchar so L"" literals match */
typedef char CHAR8;
typedef void VOID;
typedef UINTN EFI_STATUS;
typedef VOID *EFI_HANDLE;
typedef VOID *EFI_EVENT;
typedef UINT64 EFI_PHYSICAL_ADDRESS;
typedef UINTN EFI_TPL;

#define EFIAPI __attribute__((ms_abi))

#define EFI_ERR(n) (0x8000000000000000ULL | (n))
#define EFI_SUCCESS 0ULL
#define EFI_INVALID_PARAMETER EFI_ERR(2)
#define EFI_UNSUPPORTED EFI_ERR(3)
#define EFI_BUFFER_TOO_SMALL EFI_ERR(5)
#define EFI_OUT_OF_RESOURCES EFI_ERR(9)
#define EFI_NOT_FOUND EFI_ERR(14)
#define EFI_ERROR(s) (((INT64)(s)) < 0)

typedef struct {
  UINT32 Data1;
  UINT16 Data2;
  UINT16 Data3;
  UINT8 Data4[8];
} EFI_GUID;

typedef struct {
  UINT64 Signature;
  UINT32 Revision;
  UINT32 HeaderSize;
  UINT32 CRC32;
  UINT32 Reserved;
} EFI_TABLE_HEADER;

/* Memory types and allocation kinds (UEFI 2.x §7.2). */
enum {
  EfiReservedMemoryType = 0,
  EfiBootServicesData = 4,
  EfiACPIMemoryNVS = 10,
};
enum { AllocateAnyPages = 0, AllocateMaxAddress = 1, AllocateAddress = 2 };
enum { AllHandles = 0, ByRegisterNotify = 1, ByProtocol = 2 };
enum { EFI_NATIVE_INTERFACE = 0 };

#define EVT_NOTIFY_SIGNAL 0x00000200
#define TPL_CALLBACK 8

typedef struct EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL {
  VOID *Reset;
  EFI_STATUS(EFIAPI *OutputString)(struct EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *This, const CHAR16 *String);
  VOID *Rest[8];
} EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL;

typedef VOID(EFIAPI *EFI_EVENT_NOTIFY)(EFI_EVENT Event, VOID *Context);

/* One entry of GetMemoryMap's answer; entries are DescriptorSize bytes apart, not sizeof. */
typedef struct EFI_MEMORY_DESCRIPTOR {
  UINT32 Type;
  EFI_PHYSICAL_ADDRESS PhysicalStart;
  UINT64 VirtualStart;
  UINT64 NumberOfPages;
  UINT64 Attribute;
} EFI_MEMORY_DESCRIPTOR;
_Static_assert(sizeof(EFI_MEMORY_DESCRIPTOR) == 40, "memory descriptor layout");

typedef struct {
  EFI_TABLE_HEADER Hdr;
  VOID *RaiseTPL;
  VOID *RestoreTPL;
  EFI_STATUS(EFIAPI *AllocatePages)(UINTN Type, UINTN MemoryType, UINTN Pages, EFI_PHYSICAL_ADDRESS *Memory);
  EFI_STATUS(EFIAPI *FreePages)(EFI_PHYSICAL_ADDRESS Memory, UINTN Pages);
  EFI_STATUS(EFIAPI *GetMemoryMap)(UINTN *MemoryMapSize, struct EFI_MEMORY_DESCRIPTOR *MemoryMap, UINTN *MapKey,
                                   UINTN *DescriptorSize, UINT32 *DescriptorVersion);
  EFI_STATUS(EFIAPI *AllocatePool)(UINTN PoolType, UINTN Size, VOID **Buffer);
  EFI_STATUS(EFIAPI *FreePool)(VOID *Buffer);
  EFI_STATUS(EFIAPI *CreateEvent)(UINT32 Type, EFI_TPL NotifyTpl, EFI_EVENT_NOTIFY NotifyFunction,
                                  VOID *NotifyContext, EFI_EVENT *Event);
  VOID *SetTimer;
  VOID *WaitForEvent;
  EFI_STATUS(EFIAPI *SignalEvent)(EFI_EVENT Event);
  VOID *CloseEvent;
  VOID *CheckEvent;
  EFI_STATUS(EFIAPI *InstallProtocolInterface)(EFI_HANDLE *Handle, const EFI_GUID *Protocol,
                                               UINTN InterfaceType, VOID *Interface);
  VOID *ReinstallProtocolInterface;
  VOID *UninstallProtocolInterface;
  EFI_STATUS(EFIAPI *HandleProtocol)(EFI_HANDLE Handle, const EFI_GUID *Protocol, VOID **Interface);
  VOID *Reserved;
  EFI_STATUS(EFIAPI *RegisterProtocolNotify)(const EFI_GUID *Protocol, EFI_EVENT Event, VOID **Registration);
  EFI_STATUS(EFIAPI *LocateHandle)(UINTN SearchType, const EFI_GUID *Protocol, VOID *SearchKey,
                                   UINTN *BufferSize, EFI_HANDLE *Buffer);
  VOID *LocateDevicePath;
  VOID *InstallConfigurationTable;
  VOID *LoadImage;
  VOID *StartImage;
  VOID *Exit;
  VOID *UnloadImage;
  VOID *ExitBootServices;
  VOID *GetNextMonotonicCount;
  VOID *Stall;
  VOID *SetWatchdogTimer;
  VOID *ConnectController;
  VOID *DisconnectController;
  VOID *OpenProtocol;
  VOID *CloseProtocol;
  VOID *OpenProtocolInformation;
  VOID *ProtocolsPerHandle;
  EFI_STATUS(EFIAPI *LocateHandleBuffer)(UINTN SearchType, const EFI_GUID *Protocol, VOID *SearchKey,
                                         UINTN *NoHandles, EFI_HANDLE **Buffer);
  EFI_STATUS(EFIAPI *LocateProtocol)(const EFI_GUID *Protocol, VOID *Registration, VOID **Interface);
  VOID *InstallMultipleProtocolInterfaces;
  VOID *UninstallMultipleProtocolInterfaces;
  VOID *CalculateCrc32;
  VOID *CopyMem;
  VOID *SetMem;
  VOID *CreateEventEx;
} EFI_BOOT_SERVICES;

typedef struct {
  EFI_TABLE_HEADER Hdr;
  CHAR16 *FirmwareVendor;
  UINT32 FirmwareRevision;
  EFI_HANDLE ConsoleInHandle;
  VOID *ConIn;
  EFI_HANDLE ConsoleOutHandle;
  EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL *ConOut;
  EFI_HANDLE StandardErrorHandle;
  VOID *StdErr;
  VOID *RuntimeServices;
  EFI_BOOT_SERVICES *BootServices;
  UINTN NumberOfTableEntries;
  struct EFI_CONFIGURATION_TABLE *ConfigurationTable;
} EFI_SYSTEM_TABLE;

typedef struct EFI_CONFIGURATION_TABLE {
  EFI_GUID VendorGuid;
  VOID *VendorTable;
} EFI_CONFIGURATION_TABLE;

/* PI DXE Services Table (a configuration table): only ProcessFirmwareVolume is called. */
#define DXE_SERVICES_TABLE_GUID {0x05AD34BA, 0x6F02, 0x4214, {0x95, 0x2E, 0x4D, 0xA0, 0x39, 0x8E, 0x2B, 0xB9}}
typedef struct {
  EFI_TABLE_HEADER Hdr;
  VOID *Gcd[13]; /* Add/Allocate/Free/Remove/GetDescriptor/SetAttributes/GetMap for memory, then I/O */
  VOID *Dispatch;
  VOID *Schedule;
  VOID *Trust;
  EFI_STATUS(EFIAPI *ProcessFirmwareVolume)(const VOID *FirmwareVolumeHeader, UINTN Size,
                                            EFI_HANDLE *FirmwareVolumeHandle);
  VOID *SetMemorySpaceCapabilities;
} DXE_SERVICES;

/* EFI_LOADED_IMAGE_PROTOCOL: we only need where our own image was loaded. */
#define EFI_LOADED_IMAGE_PROTOCOL_GUID \
  {0x5B1B31A1, 0x9562, 0x11D2, {0x8E, 0x3F, 0x00, 0xA0, 0xC9, 0x69, 0x72, 0x3B}}
typedef struct {
  UINT32 Revision;
  EFI_HANDLE ParentHandle;
  EFI_SYSTEM_TABLE *SystemTable;
  EFI_HANDLE DeviceHandle;
  VOID *FilePath;
  VOID *Reserved;
  UINT32 LoadOptionsSize;
  VOID *LoadOptions;
  VOID *ImageBase;
  UINT64 ImageSize;
  UINTN ImageCodeType;
  UINTN ImageDataType;
  VOID *Unload;
} EFI_LOADED_IMAGE_PROTOCOL;

/* PI EFI_FIRMWARE_VOLUME2_PROTOCOL: ReadSection is the only member we call. */
#define EFI_FIRMWARE_VOLUME2_PROTOCOL_GUID \
  {0x220E73B6, 0x6BDB, 0x4413, {0x84, 0x05, 0xB9, 0x74, 0xB1, 0x08, 0x61, 0x9A}}
#define EFI_SECTION_RAW 0x19
typedef struct EFI_FIRMWARE_VOLUME2_PROTOCOL {
  VOID *GetVolumeAttributes;
  VOID *SetVolumeAttributes;
  VOID *ReadFile;
  EFI_STATUS(EFIAPI *ReadSection)(const struct EFI_FIRMWARE_VOLUME2_PROTOCOL *This, const EFI_GUID *NameGuid,
                                  UINT8 SectionType, UINTN SectionInstance, VOID **Buffer, UINTN *BufferSize,
                                  UINT32 *AuthenticationStatus);
  VOID *WriteFile;
  VOID *GetNextFile;
  UINT32 KeySize;
  EFI_HANDLE ParentHandle;
  VOID *GetInfo;
  VOID *SetInfo;
} EFI_FIRMWARE_VOLUME2_PROTOCOL;

/* EFI_PCI_IO_PROTOCOL: config space access and the device's location. */
#define EFI_PCI_IO_PROTOCOL_GUID \
  {0x4CF5B200, 0x68B8, 0x4CA5, {0x9E, 0xEC, 0xB2, 0x3E, 0x3F, 0x50, 0x02, 0x9A}}
enum { EfiPciIoWidthUint8 = 0, EfiPciIoWidthUint16 = 1, EfiPciIoWidthUint32 = 2, EfiPciIoWidthUint64 = 3 };
struct EFI_PCI_IO_PROTOCOL;
typedef EFI_STATUS(EFIAPI *EFI_PCI_IO_CONFIG)(struct EFI_PCI_IO_PROTOCOL *This, UINTN Width, UINT32 Offset,
                                               UINTN Count, VOID *Buffer);
typedef struct EFI_PCI_IO_PROTOCOL {
  VOID *PollMem;
  VOID *PollIo;
  VOID *Mem[2];
  VOID *Io[2];
  EFI_PCI_IO_CONFIG PciRead;
  EFI_PCI_IO_CONFIG PciWrite;
  VOID *CopyMem;
  VOID *Map;
  VOID *Unmap;
  VOID *AllocateBuffer;
  VOID *FreeBuffer;
  VOID *Flush;
  EFI_STATUS(EFIAPI *GetLocation)(struct EFI_PCI_IO_PROTOCOL *This, UINTN *Segment, UINTN *Bus, UINTN *Device,
                                  UINTN *Function);
  VOID *Attributes;
  VOID *GetBarAttributes;
  VOID *SetBarAttributes;
  UINT64 RomSize;
  VOID *RomImage;
} EFI_PCI_IO_PROTOCOL;
_Static_assert(__builtin_offsetof(EFI_PCI_IO_PROTOCOL, GetLocation) == 112, "PCI I/O layout");
_Static_assert(sizeof(EFI_PCI_IO_PROTOCOL) == 160, "PCI I/O layout");

/* The protocol the Intel GOP driver asks for (see docs/igd-passthrough-notes.md §1.4). */
#define PLATFORM_GOP_POLICY_PROTOCOL_GUID \
  {0xEC2E931B, 0x3281, 0x48A5, {0x81, 0x07, 0xDF, 0x8A, 0x8B, 0xED, 0x3C, 0x5D}}
#define PLATFORM_GOP_POLICY_REVISION_01 1
typedef enum { LidClosed = 0, LidOpen = 1 } LID_STATUS;
/* Natural x64 alignment on purpose: Revision @0, GetPlatformLidStatus @8, GetVbtData @16. */
typedef struct {
  UINT32 Revision;
  EFI_STATUS(EFIAPI *GetPlatformLidStatus)(LID_STATUS *CurrentLidStatus);
  EFI_STATUS(EFIAPI *GetVbtData)(EFI_PHYSICAL_ADDRESS *VbtAddress, UINT32 *VbtSize);
} PLATFORM_GOP_POLICY_PROTOCOL;
_Static_assert(__builtin_offsetof(PLATFORM_GOP_POLICY_PROTOCOL, GetPlatformLidStatus) == 8, "policy layout");
_Static_assert(__builtin_offsetof(PLATFORM_GOP_POLICY_PROTOCOL, GetVbtData) == 16, "policy layout");
_Static_assert(sizeof(PLATFORM_GOP_POLICY_PROTOCOL) == 24, "policy protocol layout");

/* The VBT file that OVMF builds with the GOP carry (FREEFORM file, one RAW section). */
#define VBT_FILE_GUID {0x1647B4F3, 0x3E8A, 0x4FEF, {0x81, 0xC8, 0x32, 0x8E, 0xD6, 0x47, 0xAB, 0x1A}}

#endif

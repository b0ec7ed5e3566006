/*
 * util.h: small freestanding helpers shared by our drivers (each driver is one translation
 * unit, so the definitions live here): port I/O, memory helpers the compiler may call,
 * a tiny formatter that writes to QEMU's debug console (port 0x402) and the `$VBT` header check.
 */
#ifndef OGP_UTIL_H
#define OGP_UTIL_H

#include "efi.h"

static inline void outb(UINT16 port, UINT8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(UINT16 port, UINT16 v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(UINT16 port, UINT32 v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline UINT8 inb(UINT16 port) {
  UINT8 v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static inline UINT32 inl(UINT16 port) {
  UINT32 v;
  __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

/* clang may emit calls to these for struct copies and zeroing; there is no libc. */
void *memset(void *d, int c, UINTN n) {
  volatile UINT8 *p = d; /* volatile: keep clang from turning this loop back into memset */
  while (n--) *p++ = (UINT8)c;
  return d;
}
void *memcpy(void *d, const void *s, UINTN n) {
  volatile UINT8 *p = d;
  const UINT8 *q = s;
  while (n--) *p++ = *q++;
  return d;
}
static int mem_eq(const void *a, const void *b, UINTN n) {
  const UINT8 *p = a, *q = b;
  for (UINTN i = 0; i < n; i++)
    if (p[i] != q[i]) return 0;
  return 1;
}
static UINT16 rd16(const UINT8 *p) { return (UINT16)(p[0] | p[1] << 8); }
static UINT32 rd32(const UINT8 *p) { return p[0] | p[1] << 8 | p[2] << 16 | (UINT32)p[3] << 24; }
static UINT64 rd64(const UINT8 *p) { return rd32(p) | (UINT64)rd32(p + 4) << 32; }

/* ---- debug console: one line per decision, `printf`-like with %s %u %x %X(64-bit) ---- */
#define DEBUG_PORT 0x402

typedef struct {
  char buf[200];
  UINTN len;
} LINE;

static void line_ch(LINE *l, char c) {
  if (l->len < sizeof(l->buf) - 1) l->buf[l->len++] = c;
}
static void line_str(LINE *l, const char *s) {
  while (*s) line_ch(l, *s++);
}
static void line_hex(LINE *l, UINT64 v, int digits) {
  for (int i = digits - 1; i >= 0; i--) line_ch(l, "0123456789abcdef"[(v >> (i * 4)) & 15]);
}
static void line_dec(LINE *l, UINT64 v) {
  char t[20];
  int n = 0;
  do t[n++] = (char)('0' + v % 10); while ((v /= 10) && n < 20);
  while (n) line_ch(l, t[--n]);
}

/* Formats `fmt` with %s (char*), %u (UINT64 decimal), %x (UINT64 as 0x…), %02x/%04x (fixed hex). */
static void line_fmt(LINE *l, const char *fmt, __builtin_va_list ap) {
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      line_ch(l, *fmt);
      continue;
    }
    fmt++;
    if (*fmt == 's') line_str(l, __builtin_va_arg(ap, const char *));
    else if (*fmt == 'u') line_dec(l, __builtin_va_arg(ap, UINT64));
    else if (*fmt == 'x') {
      UINT64 v = __builtin_va_arg(ap, UINT64);
      int d = 1;
      while (d < 16 && (v >> (d * 4))) d++;
      line_str(l, "0x");
      line_hex(l, v, d);
    } else if (*fmt == '0' && fmt[1] && fmt[2] == 'x') {
      line_hex(l, __builtin_va_arg(ap, UINT64), fmt[1] - '0');
      fmt += 2;
    } else line_ch(l, *fmt);
  }
}

static void debug_out(const char *s) {
  while (*s) outb(DEBUG_PORT, (UINT8)*s++);
}

/* Writes one formatted line to port 0x402. All numeric varargs must be UINT64. */
static void dbg(const char *fmt, ...) {
  LINE l = {.len = 0};
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  line_fmt(&l, fmt, ap);
  __builtin_va_end(ap);
  line_ch(&l, '\n');
  l.buf[l.len] = 0;
  debug_out(l.buf);
}

/* ---- VBT header check: the rules of the TypeScript reader (gop/vbt.ts parseVbt) ---- */
#define VBT_HEADER_SIZE 0x30
#define BDB_HEADER_SIZE 0x16

/* Returns the VBT's own size (vbt_size) when `p` holds a plausible VBT within `avail` bytes, else 0. */
static UINT32 vbt_check(const UINT8 *p, UINTN avail) {
  if (avail < VBT_HEADER_SIZE || !mem_eq(p, "$VBT", 4)) return 0;
  UINT32 header_size = rd16(p + 0x16), vbt_size = rd16(p + 0x18), bdb = rd32(p + 0x1C);
  if (vbt_size > avail || header_size < 24 || header_size > vbt_size) return 0;
  if ((UINT64)bdb + BDB_HEADER_SIZE > vbt_size) return 0;
  /* i915 writes "BIOS_DATA_BLOCK " (16 bytes); only the text part is compared, as the reader does. */
  if (!mem_eq(p + bdb, "BIOS_DATA_BLOCK", 15)) return 0;
  if ((UINT64)bdb + rd16(p + bdb + 0x14) > vbt_size) return 0;
  return vbt_size;
}

#endif

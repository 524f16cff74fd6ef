#ifndef DNR_CPNG_H
#define DNR_CPNG_H
#include <stddef.h>
#include <stdint.h>

// A small wrapper around libpng's full API. libpng reports errors with longjmp, which Swift
// cannot catch; these functions keep setjmp inside C and return a status code and a message.

typedef struct {
    uint32_t width;
    uint32_t height;
    int bit_depth;   // of the file: 1, 2, 4, 8 or 16
    int color_type;  // of the file: PNG_COLOR_TYPE_* (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA)
    int has_alpha;   // 1 when the file carries alpha (an alpha channel or a tRNS chunk)
} dnr_png_info;

// Decodes a PNG held in memory to 16-bit RGBA in host byte order (palette, grey and low bit depths
// expanded; 8-bit samples v become v*257, so v/255 is kept exactly). Images wider or taller than
// max_side, or with more than max_pixels pixels, are refused before any pixel memory is allocated.
// Returns 0 on success (free *out_rgba16 with dnr_png_free), non-zero with message set on failure.
int dnr_png_decode(const unsigned char *data, size_t size,
                   uint32_t max_side, uint64_t max_pixels,
                   uint16_t **out_rgba16, dnr_png_info *info,
                   char *message, size_t message_size);

// Encodes interleaved RGB samples (uint8_t when bit_depth is 8, host-order uint16_t when 16)
// to PNG bytes in memory. Returns 0 on success (free *out with dnr_png_free).
int dnr_png_encode_rgb(const void *pixels, uint32_t width, uint32_t height, int bit_depth,
                       unsigned char **out, size_t *out_size,
                       char *message, size_t message_size);

void dnr_png_free(void *pointer);

#endif

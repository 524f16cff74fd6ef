#include "cpng.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *message;
    size_t message_size;
    char warning[128];  // libpng explains a bad header in a warning, then errors tersely
} error_sink;

static void set_message(char *message, size_t size, const char *text) {
    if (message == NULL || size == 0) return;
    strncpy(message, text, size - 1);
    message[size - 1] = '\0';
}

static void on_error(png_structp png, png_const_charp text) {
    error_sink *sink = (error_sink *)png_get_error_ptr(png);
    set_message(sink->message, sink->message_size, sink->warning[0] ? sink->warning : text);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp text) {
    error_sink *sink = (error_sink *)png_get_error_ptr(png);
    if (sink->warning[0] == '\0') set_message(sink->warning, sizeof sink->warning, text);
}

typedef struct {
    const unsigned char *data;
    size_t size;
    size_t offset;
} read_cursor;

static void read_from_memory(png_structp png, png_bytep out, png_size_t length) {
    read_cursor *cursor = (read_cursor *)png_get_io_ptr(png);
    if (cursor->size - cursor->offset < length) {
        png_error(png, "truncated PNG data");
    }
    memcpy(out, cursor->data + cursor->offset, length);
    cursor->offset += length;
}

int dnr_png_decode(const unsigned char *data, size_t size,
                   uint32_t max_side, uint64_t max_pixels,
                   uint16_t **out_rgba16, dnr_png_info *info,
                   char *message, size_t message_size) {
    *out_rgba16 = NULL;
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        set_message(message, message_size, "not a PNG file");
        return 1;
    }
    error_sink sink = {message, message_size, {0}};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
    if (png == NULL) {
        set_message(message, message_size, "out of memory");
        return 1;
    }
    png_infop png_info = png_create_info_struct(png);
    // Heap state that the error path must free; volatile so it survives the longjmp.
    uint16_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    read_cursor cursor = {data, size, 0};

    if (png_info == NULL || setjmp(png_jmpbuf(png))) {
        if (png_info == NULL) set_message(message, message_size, "out of memory");
        free(rows);
        free(pixels);
        png_destroy_read_struct(&png, png_info ? &png_info : NULL, NULL);
        return 1;
    }

    png_set_read_fn(png, &cursor, read_from_memory);
    png_set_user_limits(png, max_side, max_side);
    png_read_info(png, png_info);

    uint32_t width = png_get_image_width(png, png_info);
    uint32_t height = png_get_image_height(png, png_info);
    if ((uint64_t)width * (uint64_t)height > max_pixels) {
        png_error(png, "image too large");
    }
    info->width = width;
    info->height = height;
    info->bit_depth = png_get_bit_depth(png, png_info);
    info->color_type = png_get_color_type(png, png_info);
    info->has_alpha = (info->color_type & PNG_COLOR_MASK_ALPHA) != 0
                      || png_get_valid(png, png_info, PNG_INFO_tRNS) != 0;

    png_set_expand(png);          // palette -> RGB, grey < 8 bits -> 8 bits, tRNS -> alpha
    png_set_expand_16(png);       // 8-bit samples -> 16-bit (v * 257)
    png_set_gray_to_rgb(png);
    png_set_add_alpha(png, 0xffff, PNG_FILLER_AFTER);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    png_set_swap(png);
#endif
    png_set_interlace_handling(png);
    png_read_update_info(png, png_info);

    if (png_get_rowbytes(png, png_info) != (size_t)width * 8) {
        png_error(png, "unexpected row layout after transformations");
    }
    pixels = malloc((size_t)width * height * 8);
    rows = malloc(sizeof(png_bytep) * height);
    if (pixels == NULL || rows == NULL) {
        png_error(png, "out of memory");
    }
    for (uint32_t y = 0; y < height; y++) {
        rows[y] = (png_bytep)(pixels + (size_t)y * width * 4);
    }
    png_read_image(png, rows);
    png_read_end(png, NULL);

    free(rows);
    png_destroy_read_struct(&png, &png_info, NULL);
    *out_rgba16 = pixels;
    return 0;
}

typedef struct {
    unsigned char *data;
    size_t size;
    size_t capacity;
} write_buffer;

static void write_to_memory(png_structp png, png_bytep bytes, png_size_t length) {
    write_buffer *buffer = (write_buffer *)png_get_io_ptr(png);
    if (buffer->capacity - buffer->size < length) {
        size_t capacity = buffer->capacity ? buffer->capacity : 4096;
        while (capacity - buffer->size < length) capacity *= 2;
        unsigned char *grown = realloc(buffer->data, capacity);
        if (grown == NULL) png_error(png, "out of memory");
        buffer->data = grown;
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->size, bytes, length);
    buffer->size += length;
}

static void flush_memory(png_structp png) { (void)png; }

int dnr_png_encode_rgb(const void *pixels, uint32_t width, uint32_t height, int bit_depth,
                       unsigned char **out, size_t *out_size,
                       char *message, size_t message_size) {
    *out = NULL;
    *out_size = 0;
    if (bit_depth != 8 && bit_depth != 16) {
        set_message(message, message_size, "bit depth must be 8 or 16");
        return 1;
    }
    error_sink sink = {message, message_size, {0}};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
    if (png == NULL) {
        set_message(message, message_size, "out of memory");
        return 1;
    }
    png_infop png_info = png_create_info_struct(png);
    write_buffer buffer = {NULL, 0, 0};
    png_bytep *volatile rows = NULL;

    if (png_info == NULL || setjmp(png_jmpbuf(png))) {
        if (png_info == NULL) set_message(message, message_size, "out of memory");
        free(rows);
        free(buffer.data);
        png_destroy_write_struct(&png, png_info ? &png_info : NULL);
        return 1;
    }
    png_set_write_fn(png, &buffer, write_to_memory, flush_memory);
    png_set_IHDR(png, png_info, width, height, bit_depth, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, png_info);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (bit_depth == 16) png_set_swap(png);
#endif
    size_t row_bytes = (size_t)width * 3 * (bit_depth / 8);
    rows = malloc(sizeof(png_bytep) * height);
    if (rows == NULL) png_error(png, "out of memory");
    for (uint32_t y = 0; y < height; y++) {
        rows[y] = (png_bytep)pixels + (size_t)y * row_bytes;
    }
    png_write_image(png, rows);
    png_write_end(png, NULL);
    free(rows);
    png_destroy_write_struct(&png, &png_info);
    *out = buffer.data;
    *out_size = buffer.size;
    return 0;
}

void dnr_png_free(void *pointer) { free(pointer); }

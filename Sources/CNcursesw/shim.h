#ifndef DNR_NCURSESW_SHIM_H
#define DNR_NCURSESW_SHIM_H
// SwiftPM drops the -D flags pkg-config reports, so the wide-character API is switched on here.
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <sys/ioctl.h>
#include <pty.h>
#include <ncursesw/curses.h>

// C globals are mutable shared state, which Swift 6 rejects; these accessors read them.
static inline WINDOW *dnr_stdscr(void) { return stdscr; }
// newterm on the process's standard streams: NULL (not an exit, as initscr does) for a TERM it cannot drive.
static inline SCREEN *dnr_newterm(void) { return newterm(NULL, stdout, stdin); }
static inline int dnr_lines(void) { return LINES; }
static inline int dnr_cols(void) { return COLS; }
static inline int dnr_colors(void) { return COLORS; }
static inline int dnr_color_pairs(void) { return COLOR_PAIRS; }
// Variadic printw cannot be called from Swift; add a string at the cursor instead.
static inline int dnr_addstr(const char *s) { return addstr(s); }
static inline int dnr_mvaddstr(int y, int x, const char *s) { return mvaddstr(y, x, s); }
static inline int dnr_color_pair(int n) { return (int)COLOR_PAIR(n); }
static inline int dnr_key_resize(void) { return KEY_RESIZE; }
static inline int dnr_key_mouse(void) { return KEY_MOUSE; }
static inline int dnr_key_left(void) { return KEY_LEFT; }
static inline int dnr_key_right(void) { return KEY_RIGHT; }
static inline int dnr_key_up(void) { return KEY_UP; }
static inline int dnr_key_down(void) { return KEY_DOWN; }
// Mouse presses, releases and motion (reported while a button is held once the caller asks the
// terminal for button-event tracking); no click delay.
static inline void dnr_enable_mouse(void) {
    mousemask(BUTTON1_PRESSED | BUTTON1_RELEASED | BUTTON3_PRESSED | BUTTON3_RELEASED | REPORT_MOUSE_POSITION, NULL);
    mouseinterval(0);
}
// The pending mouse event: 1 left press, 2 left release, 3 right press, 4 right release, 5 motion,
// 0 another event, -1 none; its cell in *row, *column.
static inline int dnr_mouse_event(int *row, int *column) {
    MEVENT event;
    if (getmouse(&event) != OK) return -1;
    *row = event.y; *column = event.x;
    if (event.bstate & BUTTON1_PRESSED) return 1;
    if (event.bstate & BUTTON1_RELEASED) return 2;
    if (event.bstate & BUTTON3_PRESSED) return 3;
    if (event.bstate & BUTTON3_RELEASED) return 4;
    if (event.bstate & REPORT_MOUSE_POSITION) return 5;
    return 0;
}
static inline int dnr_attribute_bold(void) { return (int)A_BOLD; }
static inline int dnr_attribute_reverse(void) { return (int)A_REVERSE; }
// The window size in cells and pixels (TIOCGWINSZ; ioctl is variadic, so Swift cannot call it); 0 on success.
static inline int dnr_window_size(int fd, int *columns, int *rows, int *width, int *height) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0) return -1;
    *columns = size.ws_col; *rows = size.ws_row; *width = size.ws_xpixel; *height = size.ws_ypixel;
    return 0;
}
// Sets a terminal's window size (the kernel then sends SIGWINCH to its foreground process group); 0 on success.
static inline int dnr_set_window_size(int fd, int columns, int rows) {
    struct winsize size = { .ws_row = rows, .ws_col = columns, .ws_xpixel = 0, .ws_ypixel = 0 };
    return ioctl(fd, TIOCSWINSZ, &size);
}
// A new pseudo-terminal pair with the given size (for terminal tests and benchmarks); 0 on success.
static inline int dnr_open_pseudo_terminal(int *master, int *slave, int columns, int rows, int width, int height) {
    struct winsize size = { .ws_row = rows, .ws_col = columns, .ws_xpixel = width, .ws_ypixel = height };
    return openpty(master, slave, 0, 0, &size);
}
#endif

// glibc's allocator tuning (mallopt), which the platform module does not export.
#include <malloc.h>

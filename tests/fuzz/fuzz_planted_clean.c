/* libFuzzer, test-only (not in FUZZ_TARGETS): fuzz_planted_crash.c without
 * the crash, so make fuzz must pass on it. tests/make/fuzz_status.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    free(copy);
    return 0;
}

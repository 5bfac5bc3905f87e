/* libFuzzer, test-only (not in FUZZ_TARGETS): a planted heap overflow that
 * the input "planted crash" reaches; its seed corpus holds that input, so
 * the first pass over the seeds finds it. tests/make/fuzz_status.sh checks
 * that make fuzz fails on it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char trigger[] = "planted crash";
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    volatile char past_the_end = 0;
    if (size >= sizeof trigger - 1 && memcmp(copy, trigger, sizeof trigger - 1) == 0)
        past_the_end = copy[size]; /* one byte past the block: ASan reports it */
    (void)past_the_end;
    free(copy);
    return 0;
}

/* libFuzzer: the TOML parser. */
#include <stddef.h>
#include <stdint.h>

#include "lib/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    struct toml_value *v = toml_parse((const char *)data, size, "fuzz", err, sizeof err);
    toml_free(v);
    return 0;
}

/* libFuzzer: the TOML parser. Seeds (corpus_toml/): config.example.toml and
 * a few files of tests/fixtures/toml-test (valid-* and invalid-*, named after
 * their path there; MIT, see that folder's LICENSE). */
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

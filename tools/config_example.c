/* config_example.c - print config.example.toml as the key tables say it.
 *
 * make config-example writes its output over config.example.toml; the
 * test suite fails while the checked-in file differs from it.
 */
#include <stdio.h>

#include "app/config.h"

int main(void)
{
    struct strbuf out = {0};
    config_write_example(&out);
    fputs(strbuf_str(&out), stdout);
    strbuf_free(&out);
    return ferror(stdout) ? 1 : 0;
}

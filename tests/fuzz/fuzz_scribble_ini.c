/*
 * fuzz_scribble_ini.c - scribble.ini (provision/config.c): the bytes as the
 * file, loaded as `scribblectl validate` loads it. Every error line names the
 * file, and no URL password given in the file shows in the errors.
 */
#include "fuzz.h"
#include "provision/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[96];
    if (!path[0])
        snprintf(path, sizeof path, "%s/scribble.ini", fuzz_temp_dir());
    fuzz_write_file(path, data, size);
    scribble_config cfg;
    base_buf errors = {0};
    int rc = scribble_config_load(path, &cfg, &errors);
    if ((rc == 0) != (errors.len == 0))
        abort();
    if (errors.len && strncmp(base_buf_str(&errors), path, strlen(path)) != 0)
        abort();
    if (rc == 0) {
        base_buf ini = {0};
        (void)scribble_config_format_value(&cfg, "local.cache_url", &ini);
        base_buf_free(&ini);
    }
    scribble_config_free(&cfg);
    base_buf_free(&errors);
    return 0;
}

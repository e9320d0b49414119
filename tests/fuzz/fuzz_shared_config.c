/*
 * fuzz_shared_config.c - the AWS shared config and credentials files
 * (aws/shared_config.c). The bytes before the first NUL are the config
 * file, the rest the credentials file; both are loaded as the client loads
 * them and read as the client reads them.
 */
#include "aws/shared_config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char config[96], credentials[96];
    if (!config[0]) {
        snprintf(config, sizeof config, "%s/config", fuzz_temp_dir());
        snprintf(credentials, sizeof credentials, "%s/credentials", fuzz_temp_dir());
        setenv("AWS_CONFIG_FILE", config, 1);
        setenv("AWS_SHARED_CREDENTIALS_FILE", credentials, 1);
        unsetenv("AWS_PROFILE");
    }
    const uint8_t *nul = memchr(data, '\0', size);
    size_t config_len = nul ? (size_t)(nul - data) : size;
    fuzz_write_file(config, data, config_len);
    fuzz_write_file(credentials, data + config_len + (nul ? 1 : 0), size - config_len - (nul ? 1 : 0));

    aws_shared_config *c = NULL;
    base_error err = {0};
    if (aws_shared_config_load(&c, &err) != 0) {
        if (c)
            abort();
        return 0;
    }
    static const char *const profiles[] = {"default", "dev", "a"};
    static const char *const keys[] = {"region", "aws_access_key_id", "aws_secret_access_key",
                                       "aws_session_token", "endpoint_url", "services",
                                       "credential_process", "role_arn", "source_profile"};
    for (size_t p = 0; p < sizeof profiles / sizeof profiles[0]; p++) {
        (void)aws_shared_config_has_profile(c, profiles[p]);
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            const char *v = aws_shared_config_get(c, profiles[p], keys[k]);
            if (v)
                (void)strlen(v);
        }
        const char *e = aws_shared_config_service_endpoint(c, profiles[p], "sqs");
        if (e)
            (void)strlen(e);
    }
    aws_shared_config_free(c);
    return 0;
}

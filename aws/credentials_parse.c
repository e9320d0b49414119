/*
 * credentials_parse.c - reads the JSON credentials documents that
 * credential_process, the container endpoint and instance metadata return,
 * and their ISO-8601 times. Messages name the missing or malformed field,
 * never a value: these documents hold secrets.
 */
#include "credentials_parse.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

/* Reads exactly `digits` decimal digits at *p into *value. */
static int read_number(const char **p, int digits, int *value)
{
    int v = 0;
    for (int i = 0; i < digits; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += digits;
    *value = v;
    return 0;
}

static int expect(const char **p, char c)
{
    if (**p != c)
        return -1;
    (*p)++;
    return 0;
}

/* "Z", "+hh:mm", "-hh:mm" or "+hhmm": seconds east of UTC. */
static int read_offset(const char *p, long *offset)
{
    if ((*p == 'Z' || *p == 'z') && !p[1]) {
        *offset = 0;
        return 0;
    }
    if (*p != '+' && *p != '-')
        return -1;
    int sign = *p++ == '-' ? -1 : 1, hours, minutes;
    TRY(read_number(&p, 2, &hours));
    if (*p == ':')
        p++;
    TRY(read_number(&p, 2, &minutes));
    if (*p || hours > 23 || minutes > 59)
        return -1;
    *offset = sign * (hours * 3600L + minutes * 60L);
    return 0;
}

int aws_credentials_parse_time(const char *text, time_t *out)
{
    if (!text)
        return -1;
    const char *p = text;
    struct tm tm = {0};
    int year, month, day, hour, minute, second;
    TRY(read_number(&p, 4, &year));
    TRY(expect(&p, '-'));
    TRY(read_number(&p, 2, &month));
    TRY(expect(&p, '-'));
    TRY(read_number(&p, 2, &day));
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    TRY(read_number(&p, 2, &hour));
    TRY(expect(&p, ':'));
    TRY(read_number(&p, 2, &minute));
    TRY(expect(&p, ':'));
    TRY(read_number(&p, 2, &second));
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p);)
            p++;
    long offset;
    TRY(read_offset(p, &offset));
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        return -1;
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    *out = timegm(&tm) - offset;
    return 0;
}

/* A required (or optional) non-empty string member, copied. */
static int string_member(const cJSON *doc, const char *name, bool required, const char *what,
                         char **out, base_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(doc, name);
    if (!item || cJSON_IsNull(item)) {
        *out = NULL;
        ENSURE(!required, err, BASE_ERROR_CREDENTIALS, "MalformedCredentials",
               "%s: the credentials have no %s", what, name);
        return 0;
    }
    ENSURE(cJSON_IsString(item) && item->valuestring[0], err, BASE_ERROR_CREDENTIALS,
           "MalformedCredentials", "%s: %s is not a non-empty string", what, name);
    *out = base_xstrdup(item->valuestring);
    return 0;
}

static int expiration_member(const cJSON *doc, const char *what, time_t *out, base_error *err)
{
    char *text = NULL;
    TRY(string_member(doc, "Expiration", false, what, &text, err));
    *out = 0;
    if (!text)
        return 0;
    int rc = aws_credentials_parse_time(text, out);
    free(text);
    ENSURE(rc == 0, err, BASE_ERROR_CREDENTIALS, "MalformedCredentials",
           "%s: Expiration is not an ISO-8601 time such as 2024-05-01T12:00:00Z", what);
    return 0;
}

int aws_credentials_from_json(const cJSON *doc, const char *token_field, const char *what,
                              aws_credentials *out, base_error *err)
{
    memset(out, 0, sizeof *out);
    ENSURE(cJSON_IsObject(doc), err, BASE_ERROR_CREDENTIALS, "MalformedCredentials",
           "%s: the credentials are not a JSON object", what);
    if (string_member(doc, "AccessKeyId", true, what, &out->access_key_id, err) != 0 ||
        string_member(doc, "SecretAccessKey", true, what, &out->secret_access_key, err) != 0 ||
        string_member(doc, token_field, false, what, &out->session_token, err) != 0 ||
        expiration_member(doc, what, &out->expiration, err) != 0) {
        aws_credentials_free(out);
        return -1;
    }
    return 0;
}

/*
 * cache_client_probe.c - drives runtime/cache_client for
 * tests/runtime/test_cache_client.py, one request per stdin line.
 *
 *   cache_client_probe --host H --port P [--ca FILE] [--user U] [--password P]
 *                      [--plain] [--max-reply BYTES] [--max-depth N] [--timeout MS]
 *
 * Connects first and prints {"ready":true} or {"error":{...}} (then exits 1).
 * Then, per line (arguments are %XX-escaped, so they may hold any byte):
 *   run [idem] ARG...     one command; prints {"reply":R} or {"error":E}
 *   pipe N [idem] ARG...  the command N times in one pipeline; {"replies":[R...]} or {"error":E}
 *   connections           {"connections":N}
 *   key STACK NAME        {"key":"...","slot":N} or {"key":null}
 *   slot KEY              {"slot":N}
 * R: {"t":"string|error|bulk","hex":..} {"t":"int","v":N} {"t":"nil"} {"t":"nilarray"}
 * {"t":"array","v":[R...]}. E: {"kind","code","message"}. Each line is flushed.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "runtime/cache_client.h"

#define MAX_ARGS 64

static cJSON *reply_json(const cache_reply *r)
{
    static const char hex[] = "0123456789abcdef";
    cJSON *o = cJSON_CreateObject();
    switch (r->type) {
    case CACHE_REPLY_STRING:
    case CACHE_REPLY_ERROR:
    case CACHE_REPLY_BULK: {
        cJSON_AddStringToObject(o, "t", r->type == CACHE_REPLY_STRING ? "string"
                                        : r->type == CACHE_REPLY_ERROR ? "error"
                                                                        : "bulk");
        char *text = base_xmalloc(r->len * 2 + 1);
        for (size_t i = 0; i < r->len; i++) {
            text[2 * i] = hex[(unsigned char)r->str[i] >> 4];
            text[2 * i + 1] = hex[(unsigned char)r->str[i] & 15];
        }
        text[r->len * 2] = '\0';
        cJSON_AddStringToObject(o, "hex", text);
        free(text);
        break;
    }
    case CACHE_REPLY_INTEGER:
        cJSON_AddStringToObject(o, "t", "int");
        cJSON_AddNumberToObject(o, "v", (double)r->integer);
        break;
    case CACHE_REPLY_NIL:
        cJSON_AddStringToObject(o, "t", "nil");
        break;
    case CACHE_REPLY_NIL_ARRAY:
        cJSON_AddStringToObject(o, "t", "nilarray");
        break;
    case CACHE_REPLY_ARRAY: {
        cJSON_AddStringToObject(o, "t", "array");
        cJSON *items = cJSON_AddArrayToObject(o, "v");
        for (size_t i = 0; i < r->count; i++)
            cJSON_AddItemToArray(items, reply_json(&r->elements[i]));
        break;
    }
    }
    return o;
}

static cJSON *error_json(const base_error *err)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(e, "kind", base_error_kind_name(err->kind));
    cJSON_AddStringToObject(e, "code", err->code);
    cJSON_AddStringToObject(e, "message", err->message);
    return o;
}

static void emit(cJSON *o)
{
    char *text = cJSON_PrintUnformatted(o);
    printf("%s\n", text);
    fflush(stdout);
    free(text);
    cJSON_Delete(o);
}

/* Decodes %XX in place; returns the decoded length. */
static size_t unescape(char *s)
{
    size_t out = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '%' && s[i + 1] && s[i + 2]) {
            char pair[3] = {s[i + 1], s[i + 2], 0};
            s[out++] = (char)strtol(pair, NULL, 16);
            i += 2;
        } else {
            s[out++] = s[i];
        }
    }
    s[out] = '\0';
    return out;
}

static void run_command(cache_client *client, char **words, size_t count, long repeat)
{
    bool idempotent = count > 0 && strcmp(words[0], "idem") == 0;
    if (idempotent) {
        words++;
        count--;
    }
    const char *argv[MAX_ARGS];
    size_t lengths[MAX_ARGS];
    for (size_t i = 0; i < count; i++) {
        lengths[i] = unescape(words[i]);
        argv[i] = words[i];
    }
    base_error err = {0};
    if (repeat < 0) {
        cache_command command = {count, argv, lengths};
        cache_reply *reply = NULL;
        if (cache_command_run(client, &command, idempotent, &reply, &err) != 0) {
            emit(error_json(&err));
            return;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "reply", reply_json(reply));
        cache_reply_free(reply);
        emit(o);
        return;
    }
    size_t n = (size_t)repeat;
    cache_command *commands = base_xcalloc(n ? n : 1, sizeof *commands);
    cache_reply **replies = base_xcalloc(n ? n : 1, sizeof *replies);
    for (size_t i = 0; i < n; i++)
        commands[i] = (cache_command){count, argv, lengths};
    if (cache_pipeline(client, commands, n, idempotent, replies, &err) != 0) {
        emit(error_json(&err));
    } else {
        cJSON *o = cJSON_CreateObject();
        cJSON *items = cJSON_AddArrayToObject(o, "replies");
        for (size_t i = 0; i < n; i++) {
            cJSON_AddItemToArray(items, reply_json(replies[i]));
            cache_reply_free(replies[i]);
        }
        emit(o);
    }
    free(commands);
    free(replies);
}

int main(int argc, char **argv)
{
    cache_config config = {0};
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : "";
        if (strcmp(argv[i], "--plain") == 0) {
            config.plaintext = true;
            continue;
        }
        if (strcmp(argv[i], "--host") == 0)
            config.host = value;
        else if (strcmp(argv[i], "--port") == 0)
            config.port = atoi(value);
        else if (strcmp(argv[i], "--ca") == 0)
            config.ca_file = value;
        else if (strcmp(argv[i], "--user") == 0)
            config.username = value;
        else if (strcmp(argv[i], "--password") == 0)
            config.password = value;
        else if (strcmp(argv[i], "--max-reply") == 0)
            config.max_reply_bytes = strtoull(value, NULL, 10);
        else if (strcmp(argv[i], "--max-depth") == 0)
            config.max_depth = atoi(value);
        else if (strcmp(argv[i], "--timeout") == 0)
            config.connect_timeout_ms = config.io_timeout_ms = atoi(value);
        else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
        i++;
    }

    cache_client *client = NULL;
    base_error err = {0};
    if (cache_client_open(&client, &config, &err) != 0) {
        emit(error_json(&err));
        return 1;
    }
    cJSON *ready = cJSON_CreateObject();
    cJSON_AddTrueToObject(ready, "ready");
    emit(ready);

    char *line = NULL;
    size_t line_cap = 0;
    while (getline(&line, &line_cap, stdin) > 0) {
        char *words[MAX_ARGS + 3];
        size_t count = 0;
        for (char *save = NULL, *w = strtok_r(line, " \r\n", &save); w && count < MAX_ARGS + 3;
             w = strtok_r(NULL, " \r\n", &save))
            words[count++] = w;
        if (count == 0)
            continue;
        if (strcmp(words[0], "quit") == 0)
            break;
        if (strcmp(words[0], "run") == 0 && count >= 2 && count <= MAX_ARGS + 2) {
            run_command(client, words + 1, count - 1, -1);
        } else if (strcmp(words[0], "pipe") == 0 && count >= 3 && count <= MAX_ARGS + 3) {
            run_command(client, words + 2, count - 2, atol(words[1]));
        } else if (strcmp(words[0], "connections") == 0) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "connections", (double)cache_client_connections(client));
            emit(o);
        } else if (strcmp(words[0], "key") == 0 && count == 3) {
            char key[64];
            cJSON *o = cJSON_CreateObject();
            if (cache_key(key, sizeof key, words[1], words[2]) == 0) {
                cJSON_AddStringToObject(o, "key", key);
                cJSON_AddNumberToObject(o, "slot", cache_key_slot(key, strlen(key)));
            } else {
                cJSON_AddNullToObject(o, "key");
            }
            emit(o);
        } else if (strcmp(words[0], "slot") == 0 && count == 2) {
            size_t len = unescape(words[1]);
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "slot", cache_key_slot(words[1], len));
            emit(o);
        } else {
            fprintf(stderr, "bad request: %s\n", words[0]);
            free(line);
            cache_client_close(client);
            return 2;
        }
    }
    free(line);
    cache_client_close(client);
    return 0;
}

/*
 * shared_config.c - reads the AWS shared config and credentials files into
 * profiles and "[services x]" sections, as the AWS SDKs do.
 *
 * inih does the line grammar (comments, "key = value", errors), but
 * Debian's build reads lines into a fixed 200-byte buffer, and session
 * tokens are longer than that. So inih reads through read_line(), which
 * hands it one line at a time and remembers the whole raw line: when inih's
 * copy was cut short, the handler takes the value from the raw line instead.
 * The same line-by-line view gives the section headers untruncated and tells
 * an indented line ("  endpoint_url = ...", a sub-property of the key above
 * it) from a plain one. Missing files are fine; unreadable or malformed ones
 * are errors. Values may be secrets: they are wiped when freed and never put
 * into an error message.
 */
#include "shared_config.h"

#include <errno.h>
#include <ini.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cursor.h"

enum file_kind { FILE_CONFIG, FILE_CREDENTIALS };
enum section_kind { SECTION_PROFILE, SECTION_SERVICES, SECTION_OTHER };

typedef struct entry {
    char *key; /* "name", or "parent.name" for an indented sub-property */
    char *value;
} entry;

typedef struct section {
    enum file_kind file;
    enum section_kind kind;
    bool bare_default; /* "[default]" in the config file: below "[profile default]" */
    char *name;
    entry *entries;
    size_t count, cap;
} section;

struct aws_shared_config {
    char *config_path;
    char *credentials_path;
    section *sections;
    size_t count, cap;
};

typedef struct parse_state {
    aws_shared_config *cfg;
    enum file_kind file;
    base_cursor rest;     /* text inih has not read yet */
    base_cursor line;     /* the raw line inih is working on */
    bool line_truncated; /* inih got only a prefix of it */
    bool line_indented;
    long section;        /* index into cfg->sections; -1 before the first header */
    long parent;         /* entry an indented line belongs to; -1 when none */
} parse_state;

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static base_cursor skip_blanks(base_cursor c)
{
    while (c.len && is_blank(*c.ptr)) {
        c.ptr++;
        c.len--;
    }
    return c;
}

/* inih's inline comment: ';' at the start or after whitespace ends the value. */
static base_cursor cut_inline_comment(base_cursor c)
{
    for (size_t i = 0; i < c.len; i++)
        if (c.ptr[i] == ';' && (i == 0 || is_blank(c.ptr[i - 1])))
            return base_cursor_trim(base_cursor_of(c.ptr, i));
    return base_cursor_trim(c);
}

static section *current_section(parse_state *st)
{
    return st->section < 0 ? NULL : &st->cfg->sections[st->section];
}

static void classify_section(section *s, enum file_kind file, base_cursor header)
{
    s->file = file;
    s->kind = SECTION_PROFILE;
    if (file == FILE_CREDENTIALS) {
        s->name = base_cursor_dup(header);
        return;
    }
    static const struct { const char *word; enum section_kind kind; } prefixes[] = {
        {"profile", SECTION_PROFILE}, {"services", SECTION_SERVICES}, {"sso-session", SECTION_OTHER}};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i].word);
        if (header.len > n && memcmp(header.ptr, prefixes[i].word, n) == 0 && is_blank(header.ptr[n])) {
            s->kind = prefixes[i].kind;
            s->name = base_cursor_dup(base_cursor_trim(base_cursor_of(header.ptr + n, header.len - n)));
            return;
        }
    }
    s->bare_default = base_cursor_eq_str(header, "default");
    s->kind = s->bare_default ? SECTION_PROFILE : SECTION_OTHER;
    s->name = base_cursor_dup(header);
}

/* A "[...]" line as inih sees it (not a comment, not a continuation): opens a section. */
static void note_section_header(parse_state *st, base_cursor text)
{
    const char *close = memchr(text.ptr, ']', text.len);
    if (!close)
        return; /* inih reports the line as malformed */
    aws_shared_config *cfg = st->cfg;
    if (cfg->count == cfg->cap) {
        cfg->cap = cfg->cap ? cfg->cap * 2 : 8;
        cfg->sections = base_xrealloc(cfg->sections, cfg->cap * sizeof *cfg->sections);
    }
    section *s = &cfg->sections[cfg->count];
    memset(s, 0, sizeof *s);
    classify_section(s, st->file, base_cursor_trim(base_cursor_of(text.ptr + 1, (size_t)(close - text.ptr - 1))));
    st->section = (long)cfg->count++;
    st->parent = -1;
}

/* inih's ini_reader: the next line, cut to fit inih's buffer, with the raw line kept. */
static char *read_line(char *str, int num, void *stream)
{
    parse_state *st = stream;
    base_cursor line;
    if (num < 2 || !base_cursor_next_token(&st->rest, '\n', &line))
        return NULL;
    if (line.len && line.ptr[line.len - 1] == '\r')
        line.len--;
    st->line = line;
    st->line_indented = line.len && is_blank(line.ptr[0]);
    size_t room = (size_t)num - 2; /* inih needs room for the newline and the NUL */
    st->line_truncated = line.len > room;
    size_t n = st->line_truncated ? room : line.len;
    memcpy(str, line.ptr, n);
    str[n] = '\0';

    base_cursor text = skip_blanks(line);
    bool comment = !text.len || text.ptr[0] == ';' || text.ptr[0] == '#';
    bool continuation = st->line_indented && st->parent >= 0;
    if (!comment && !continuation && text.ptr[0] == '[')
        note_section_header(st, text);
    return str;
}

static void add_entry(section *s, const char *key, const char *value)
{
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->entries = base_xrealloc(s->entries, s->cap * sizeof *s->entries);
    }
    s->entries[s->count].key = base_xstrdup(key);
    s->entries[s->count].value = base_xstrdup(value);
    s->count++;
}

/* The value inih would have given for the whole (over-long) raw line. */
static char *value_from_raw_line(const parse_state *st, bool continuation)
{
    base_cursor text = skip_blanks(st->line);
    if (!continuation) {
        size_t sep = 0;
        while (sep < text.len && text.ptr[sep] != '=' && text.ptr[sep] != ':')
            sep++;
        text = sep < text.len ? base_cursor_of(text.ptr + sep + 1, text.len - sep - 1) : base_cursor_of("", 0);
    }
    return base_cursor_dup(cut_inline_comment(text));
}

/* An indented line under a key: "name = value" is the sub-property parent.name;
 * anything else continues the parent's value on a new line. */
static void add_continuation(section *s, long parent, const char *text)
{
    entry *p = &s->entries[parent];
    const char *eq = strchr(text, '=');
    if (!eq) {
        base_buf joined = {0};
        base_buf_printf(&joined, "%s\n%s", p->value, text);
        base_free_secret(p->value);
        p->value = base_buf_detach(&joined);
        return;
    }
    base_cursor name = base_cursor_trim(base_cursor_of(text, (size_t)(eq - text)));
    base_buf key = {0};
    base_buf_printf(&key, "%s.%.*s", p->key, (int)name.len, name.ptr);
    char *value = base_cursor_dup(base_cursor_trim(base_cursor_from(eq + 1)));
    add_entry(s, base_buf_str(&key), value);
    base_buf_free(&key);
    base_free_secret(value);
}

static int on_value(void *user, const char *inih_section, const char *name, const char *value)
{
    (void)inih_section; /* inih cuts long section names; read_line kept the whole one */
    parse_state *st = user;
    section *s = current_section(st);
    if (!s)
        return 1; /* keys before any section header: the SDKs ignore them too */
    bool continuation = st->line_indented && st->parent >= 0;
    char *whole = st->line_truncated ? value_from_raw_line(st, continuation) : NULL;
    const char *v = whole ? whole : value;
    if (continuation) {
        /* This inih version keeps inline comments on continuation lines; strip them alike. */
        char *text = base_cursor_dup(cut_inline_comment(base_cursor_from(v)));
        add_continuation(s, st->parent, text);
        base_free_secret(text);
    } else {
        add_entry(s, name, v);
        st->parent = (long)s->count - 1;
    }
    base_free_secret(whole);
    return 1;
}

static char *home_directory(void)
{
    const char *home = getenv("HOME");
    if (!home || !home[0]) {
        struct passwd *pw = getpwuid(getuid());
        home = pw && pw->pw_dir ? pw->pw_dir : "";
    }
    return base_xstrdup(home);
}

/* The path from env_var ("~/" expanded), else ~/.aws/<default_name>. */
static char *file_path(const char *env_var, const char *default_name)
{
    const char *given = getenv(env_var);
    char *home = home_directory();
    base_buf path = {0};
    if (given && given[0] && !(given[0] == '~' && (given[1] == '/' || !given[1])))
        base_buf_append_str(&path, given);
    else if (given && given[0])
        base_buf_printf(&path, "%s%s", home, given + 1);
    else
        base_buf_printf(&path, "%s/.aws/%s", home, default_name);
    free(home);
    return base_buf_detach(&path);
}

/* Reads the whole file; a missing file leaves *text empty and succeeds. */
static int read_file(const char *path, base_buf *text, bool *missing, base_error *err)
{
    *missing = false;
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR) {
            *missing = true;
            return 0;
        }
        return base_error_set(err, BASE_ERROR_CONFIG, "InvalidConfigFile", "%s: %s", path, strerror(errno));
    }
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        base_buf_append(text, chunk, n);
    memset(chunk, 0, sizeof chunk);
    int failed = ferror(f) ? errno : 0;
    fclose(f);
    if (failed) {
        base_buf_free_secret(text);
        return base_error_set(err, BASE_ERROR_CONFIG, "InvalidConfigFile", "%s: %s", path, strerror(failed));
    }
    return 0;
}

static int load_file(aws_shared_config *cfg, const char *path, enum file_kind file, base_error *err)
{
    base_buf text = {0};
    bool missing;
    TRY(read_file(path, &text, &missing, err));
    if (missing)
        return 0;
    parse_state st = {.cfg = cfg, .file = file, .rest = base_cursor_of(base_buf_str(&text), text.len),
                      .section = -1, .parent = -1};
    int rc = ini_parse_stream(read_line, &st, on_value, &st);
    base_buf_free_secret(&text);
    if (rc > 0)
        return base_error_set(err, BASE_ERROR_CONFIG, "InvalidConfigFile",
                             "%s:%d: expected a [section] header, a \"key = value\" line or a comment",
                             path, rc);
    if (rc < 0)
        return base_error_set(err, BASE_ERROR_CONFIG, "InvalidConfigFile", "%s: could not be parsed",
                             path);
    return 0;
}

int aws_shared_config_load(aws_shared_config **out, base_error *err)
{
    aws_shared_config *cfg = base_xcalloc(1, sizeof *cfg);
    cfg->config_path = file_path("AWS_CONFIG_FILE", "config");
    cfg->credentials_path = file_path("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    if (load_file(cfg, cfg->config_path, FILE_CONFIG, err) != 0 ||
        load_file(cfg, cfg->credentials_path, FILE_CREDENTIALS, err) != 0) {
        aws_shared_config_free(cfg);
        *out = NULL;
        return -1;
    }
    *out = cfg;
    return 0;
}

void aws_shared_config_free(aws_shared_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->count; i++) {
        section *s = &c->sections[i];
        for (size_t j = 0; j < s->count; j++) {
            free(s->entries[j].key);
            base_free_secret(s->entries[j].value);
        }
        free(s->entries);
        free(s->name);
    }
    free(c->sections);
    free(c->config_path);
    free(c->credentials_path);
    free(c);
}

const char *aws_shared_config_profile_name(const char *explicit_profile)
{
    if (explicit_profile && explicit_profile[0])
        return explicit_profile;
    const char *env = getenv("AWS_PROFILE");
    return env && env[0] ? env : "default";
}

/* The last value of key among the matching sections (later keys win, as in the SDKs). */
static const char *find(const aws_shared_config *c, enum file_kind file, enum section_kind kind,
                        bool bare_default, const char *name, const char *key)
{
    const char *found = NULL;
    for (size_t i = 0; i < c->count; i++) {
        const section *s = &c->sections[i];
        if (s->file != file || s->kind != kind || s->bare_default != bare_default ||
            strcmp(s->name, name) != 0)
            continue;
        for (size_t j = 0; j < s->count; j++)
            if (strcasecmp(s->entries[j].key, key) == 0)
                found = s->entries[j].value;
    }
    return found;
}

const char *aws_shared_config_get(const aws_shared_config *c, const char *profile, const char *key)
{
    if (!c || !profile || !key)
        return NULL;
    const char *v = find(c, FILE_CREDENTIALS, SECTION_PROFILE, false, profile, key);
    if (!v)
        v = find(c, FILE_CONFIG, SECTION_PROFILE, false, profile, key);
    if (!v && strcmp(profile, "default") == 0)
        v = find(c, FILE_CONFIG, SECTION_PROFILE, true, profile, key);
    return v;
}

int aws_shared_config_has_profile(const aws_shared_config *c, const char *profile)
{
    if (!c || !profile)
        return 0;
    for (size_t i = 0; i < c->count; i++)
        if (c->sections[i].kind == SECTION_PROFILE && strcmp(c->sections[i].name, profile) == 0)
            return 1;
    return 0;
}

const char *aws_shared_config_service_endpoint(const aws_shared_config *c, const char *profile,
                                               const char *service_key)
{
    const char *services = aws_shared_config_get(c, profile, "services");
    if (!services || !service_key)
        return NULL;
    base_buf key = {0};
    base_buf_printf(&key, "%s.endpoint_url", service_key);
    const char *url = find(c, FILE_CONFIG, SECTION_SERVICES, false, services, base_buf_str(&key));
    base_buf_free(&key);
    return url;
}

const char *aws_shared_config_config_path(const aws_shared_config *c)
{
    return c ? c->config_path : NULL;
}

const char *aws_shared_config_credentials_path(const aws_shared_config *c)
{
    return c ? c->credentials_path : NULL;
}

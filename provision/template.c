/*
 * template.c - fills the documents of templates/ (policies, configs), which
 * the build embeds in the binary: scribblectl needs no files beside it.
 * A placeholder is ${key}; an unknown key is an error, never left in place.
 */
#include <string.h>

#include "provision/resource.h"

struct embedded_template {
    const char *name;
    const char *text;
};
extern const struct embedded_template embedded_templates[];

static const char *find_var(const char *const *vars, const char *key, size_t len)
{
    for (size_t i = 0; vars && vars[i] && vars[i + 1]; i += 2)
        if (strlen(vars[i]) == len && strncmp(vars[i], key, len) == 0)
            return vars[i + 1];
    return NULL;
}

int template_render(const char *template_name, const char *const *vars, base_buf *out, base_error *err)
{
    const char *text = NULL;
    for (size_t i = 0; embedded_templates[i].name; i++)
        if (strcmp(embedded_templates[i].name, template_name) == 0)
            text = embedded_templates[i].text;
    ENSURE(text, err, BASE_ERROR_INVALID, "NoSuchTemplate", "no template %s", template_name);
    for (const char *p = text; *p;) {
        const char *open = strstr(p, "${");
        if (!open) {
            base_buf_append_str(out, p);
            break;
        }
        base_buf_append(out, p, (size_t)(open - p));
        const char *close = strchr(open, '}');
        ENSURE(close, err, BASE_ERROR_INVALID, "BadTemplate", "%s: unclosed ${", template_name);
        const char *value = find_var(vars, open + 2, (size_t)(close - open - 2));
        ENSURE(value, err, BASE_ERROR_INVALID, "BadTemplate", "%s: no value for ${%.*s}",
               template_name, (int)(close - open - 2), open + 2);
        base_buf_append_str(out, value);
        p = close + 1;
    }
    return 0;
}

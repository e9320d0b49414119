/*
 * cli_parse.c - reads a command line against a table of options (cli.h):
 * "--name value", "--name=value", "-x" for a flag with a short name, and
 * operands. Every refusal names the word and lists what is allowed; the
 * caller prints it (this file prints nothing).
 */
#include "provision/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const exit_status_row exit_status_rows[] = {
#define SCRIBBLE_EXIT_ROW(name, number, meaning) {number, meaning},
    SCRIBBLE_EXIT_STATUSES(SCRIBBLE_EXIT_ROW)
#undef SCRIBBLE_EXIT_ROW
};
const size_t exit_status_row_count = sizeof exit_status_rows / sizeof exit_status_rows[0];

void cli_allowed(const cli_option *options, size_t option_count, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < option_count && used < size; i++) {
        const cli_option *o = &options[i];
        const char *sep = i ? ", " : "";
        int n;
        if (o->value == OPTION_NUMBER)
            n = snprintf(out + used, size - used, "%s%s %ld-%ld", sep, o->name, o->min, o->max);
        else if (o->value == OPTION_CHOICE)
            n = snprintf(out + used, size - used, "%s%s %s", sep, o->name, o->choices);
        else if (o->value == OPTION_FLAG)
            n = snprintf(out + used, size - used, "%s%s", sep, o->name);
        else
            n = snprintf(out + used, size - used, "%s%s %s", sep, o->name, o->placeholder);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static int refuse(const cli_option *options, size_t option_count, const char *word,
                  const char *value, base_error *err)
{
    char allowed[512];
    cli_allowed(options, option_count, allowed, sizeof allowed);
    bool shown = value && value[0];
    return base_error_set(err, BASE_ERROR_CONFIG, "", "%s%s%s: allowed: %s", word, shown ? " " : "",
                          shown ? value : "", option_count ? allowed : "no options");
}

/* Finds the option a word names; *inline_value points after '=' when given so. */
static const cli_option *find_option(const cli_option *options, size_t option_count,
                                     const char *word, const char **inline_value, size_t *index)
{
    *inline_value = NULL;
    for (size_t i = 0; i < option_count; i++) {
        const cli_option *o = &options[i];
        size_t n = strlen(o->name);
        bool long_form = strncmp(word, o->name, n) == 0 && (word[n] == '\0' || word[n] == '=');
        bool short_form = o->short_name && word[0] == '-' && word[1] == o->short_name && !word[2];
        if (!long_form && !short_form)
            continue;
        if (long_form && word[n] == '=')
            *inline_value = word + n + 1;
        *index = i;
        return o;
    }
    return NULL;
}

static bool is_choice(const char *choices, const char *value)
{
    size_t n = strlen(value);
    for (const char *p = choices; *p;) {
        size_t len = strcspn(p, "|");
        if (len == n && strncmp(p, value, n) == 0)
            return true;
        p += len + (p[len] == '|');
    }
    return false;
}

static bool valid_value(const cli_option *o, const char *value, long *number)
{
    if (!value[0])
        return false;
    if (o->value == OPTION_CHOICE)
        return is_choice(o->choices, value);
    if (o->value != OPTION_NUMBER)
        return true;
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || *end || v < o->min || v > o->max)
        return false;
    *number = v;
    return true;
}

static bool is_help(const char *word) { return !strcmp(word, "-h") || !strcmp(word, "--help"); }

/* Takes the option `word` names (and its value) into out when the table has
 * it: 1; not in the table: 0; a missing or disallowed value: -1. */
static int take_option(const cli_option *options, size_t option_count, int argc, char **argv,
                       int *i, cli_args *out, base_error *err)
{
    const char *word = argv[*i], *value;
    size_t index;
    const cli_option *o = find_option(options, option_count, word, &value, &index);
    if (!o)
        return 0;
    if (o->value == OPTION_FLAG) {
        if (value)
            return refuse(options, option_count, word, NULL, err);
    } else if (!value) {
        if (*i + 1 >= argc)
            return refuse(options, option_count, word, NULL, err);
        value = argv[++*i];
    }
    if (o->value != OPTION_FLAG && !valid_value(o, value, &out->number[index]))
        return refuse(options, option_count, o->name, value, err);
    out->given[index] = true;
    out->text[index] = value;
    return 1;
}

static int add_operand(cli_args *out, const char *word, base_error *err)
{
    ENSURE(out->operand_count < CLI_MAX_OPERANDS, err, BASE_ERROR_CONFIG, "",
           "%s: too many operands", word);
    out->operands[out->operand_count++] = word;
    return 0;
}

int cli_parse(const cli_table *table, int argc, char **argv, int first, bool stop_at_operand,
              cli_args *out, cli_args *also_out, int *next, bool *help, base_error *err)
{
    memset(out, 0, sizeof *out);
    if (also_out)
        memset(also_out, 0, sizeof *also_out);
    *help = false;
    ENSURE(table->count <= CLI_MAX_OPTIONS && table->also_count <= CLI_MAX_OPTIONS, err,
           BASE_ERROR_INVALID, "", "more than %d options", CLI_MAX_OPTIONS);
    int i = first;
    bool options_end = false;
    for (; i < argc; i++) {
        const char *word = argv[i];
        if (!options_end && is_help(word)) {
            *help = true;
            break;
        }
        if (!options_end && !strcmp(word, "--") && !stop_at_operand) {
            options_end = true;
            continue;
        }
        if (options_end || word[0] != '-' || !word[1]) {
            if (stop_at_operand)
                break;
            TRY(add_operand(out, word, err));
            continue;
        }
        int taken = take_option(table->options, table->count, argc, argv, &i, out, err);
        if (taken == 0 && also_out)
            taken = take_option(table->also, table->also_count, argc, argv, &i, also_out, err);
        if (taken == 0)
            return refuse(table->options, table->count, word, NULL, err);
        TRY(taken < 0 ? -1 : 0);
    }
    if (next)
        *next = i;
    return 0;
}

/* Whether the table's option `name` was given. */
static bool given_named(const cli_verb *v, const cli_args *a, const char *name)
{
    for (size_t i = 0; i < v->option_count; i++)
        if (strcmp(v->options[i].name, name) == 0)
            return a->given[i];
    return false;
}

int cli_check_operands(const cli_verb *v, const cli_args *a, base_error *err)
{
    for (size_t i = 0; i < v->option_count; i++) {
        const cli_option *o = &v->options[i];
        ENSURE(!o->required || a->given[i], err, BASE_ERROR_CONFIG, "", "needs %s %s", o->name,
               o->placeholder);
        ENSURE(!o->only_with || !a->given[i] || given_named(v, a, o->only_with), err,
               BASE_ERROR_CONFIG, "", "%s: allowed only with %s", o->name, o->only_with);
    }
    if (a->operand_count > v->max_operands)
        return base_error_set(err, BASE_ERROR_CONFIG, "", "%s: takes %s",
                              a->operands[v->max_operands],
                              v->max_operands ? v->operands : "no operands");
    ENSURE(a->operand_count >= v->min_operands, err, BASE_ERROR_CONFIG, "", "needs %s",
           v->operands);
    return 0;
}

bool cli_wants_json(const cli_args *a, int output_index)
{
    return a->given[output_index] && strcmp(a->text[output_index], "json") == 0;
}

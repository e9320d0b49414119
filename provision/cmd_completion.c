/*
 * cmd_completion.c - `scribblectl completion bash|zsh`: prints a shell
 * completion script made from the command table (main.c), each verb's
 * options (cli.h) and the handlers' names (stack/description.h), so the
 * completions know exactly what the parser accepts.
 *
 *   source <(scribblectl completion bash)      # bash, or into bash_completion.d
 *   scribblectl completion zsh > "${fpath[1]}/_scribblectl"
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "provision/commands.h"
#include "stack/description.h"

/* The words an option's value may be, as a space-separated list, or NULL. */
static void print_choices(FILE *out, const char *choices)
{
    for (const char *p = choices; *p; p++)
        fputc(*p == '|' ? ' ' : *p, out);
}

static void print_option_names(FILE *out, const cli_option *options, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        fprintf(out, " %s", options[i].name);
        if (options[i].short_name)
            fprintf(out, " -%c", options[i].short_name);
    }
}

static void print_handler_names(FILE *out)
{
    for (size_t i = 0; i < described_handler_count; i++)
        fprintf(out, " %s", described_handlers[i].name);
    fprintf(out, " all");
}

static void print_verb_names(FILE *out, const scribble_globals *g)
{
    for (size_t i = 0; i < g->verb_count; i++)
        fprintf(out, " %s", g->verbs[i]->name);
}

/* "--config|-c" */
static void bash_pattern(FILE *out, const cli_option *o)
{
    fprintf(out, "            %s", o->name);
    if (o->short_name)
        fprintf(out, "|-%c", o->short_name);
    fprintf(out, ")");
}

/* "--output) COMPREPLY=(...); return;;" for each option that takes a value. */
static void bash_value_arms(FILE *out, const cli_option *options, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const cli_option *o = &options[i];
        if (o->value == OPTION_FLAG)
            continue;
        bash_pattern(out, o);
        if (o->value == OPTION_CHOICE) {
            fprintf(out, " COMPREPLY=($(compgen -W \"");
            print_choices(out, o->choices);
            fprintf(out, "\" -- \"$cur\"))");
        } else if (o->value == OPTION_FILE) {
            fprintf(out, " COMPREPLY=($(compgen -f -- \"$cur\"))");
        } else {
            fprintf(out, " COMPREPLY=()");
        }
        fprintf(out, "; return;;\n");
    }
}

/* The words an operand may be, space-separated; false for a file name or no operand. */
static bool print_operand_words(FILE *out, operand_kind kind, const scribble_globals *g)
{
    if (kind == OPERANDS_HANDLER)
        print_handler_names(out);
    else if (kind == OPERANDS_SHELL)
        fprintf(out, " bash zsh");
    else if (kind == OPERANDS_VERB)
        print_verb_names(out, g);
    return kind != OPERANDS_FILE && kind != OPERANDS_NONE;
}

static void bash_operands(FILE *out, operand_kind kind, const scribble_globals *g)
{
    if (kind == OPERANDS_FILE) {
        fprintf(out, "        COMPREPLY=($(compgen -f -- \"$cur\"))\n");
    } else if (kind == OPERANDS_NONE) {
        fprintf(out, "        COMPREPLY=()\n");
    } else {
        fprintf(out, "        COMPREPLY=($(compgen -W \"");
        print_operand_words(out, kind, g);
        fprintf(out, "\" -- \"$cur\"))\n");
    }
}

static void print_bash(FILE *out, const scribble_globals *g)
{
    fprintf(out,
            "# bash completion for scribblectl (scribblectl completion bash)\n"
            "_scribblectl() {\n"
            "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
            "    local verb=\"\" i\n"
            "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
            "        case \"${COMP_WORDS[i]}\" in\n");
    for (size_t i = 0; i < g->global_option_count; i++) {
        const cli_option *o = &g->global_options[i];
        if (o->value != OPTION_FLAG) {
            bash_pattern(out, o);
            fprintf(out, " ((i++));;\n");
        }
    }
    fprintf(out, "            -*) ;;\n"
                 "            *) verb=\"${COMP_WORDS[i]}\"; break;;\n"
                 "        esac\n"
                 "    done\n"
                 "    case \"$verb\" in\n"
                 "    \"\")\n");
    fprintf(out, "        case \"$prev\" in\n");
    bash_value_arms(out, g->global_options, g->global_option_count);
    fprintf(out, "        esac\n"
                 "        if [[ \"$cur\" == -* ]]; then\n"
                 "            COMPREPLY=($(compgen -W \"");
    print_option_names(out, g->global_options, g->global_option_count);
    fprintf(out, " --help\" -- \"$cur\"))\n"
                 "        else\n"
                 "            COMPREPLY=($(compgen -W \"");
    print_verb_names(out, g);
    fprintf(out, "\" -- \"$cur\"))\n"
                 "        fi;;\n");
    for (size_t v = 0; v < g->verb_count; v++) {
        const cli_verb *vb = g->verbs[v];
        /* The verb's options, then the global options, which may also come after it. */
        fprintf(out,
                "    %s)\n"
                "        case \"$prev\" in\n",
                vb->name);
        bash_value_arms(out, vb->options, vb->option_count);
        bash_value_arms(out, g->global_options, g->global_option_count);
        fprintf(out, "        esac\n"
                     "        if [[ \"$cur\" == -* ]]; then\n"
                     "            COMPREPLY=($(compgen -W \"");
        print_option_names(out, vb->options, vb->option_count);
        print_option_names(out, g->global_options, g->global_option_count);
        fprintf(out, " --help\" -- \"$cur\"))\n"
                     "            return\n"
                     "        fi\n");
        bash_operands(out, vb->operand_kind, g);
        fprintf(out, "        ;;\n");
    }
    fprintf(out, "    esac\n"
                 "}\n"
                 "complete -F _scribblectl scribblectl\n");
}

/* zsh's _arguments text: no quote, bracket or colon of the help leaks into the spec. */
static void zsh_text(FILE *out, const char *text)
{
    for (const char *p = text; *p && *p != '\n'; p++) {
        if (*p == '\'')
            fputs("'\\''", out);
        else if (*p == '[' || *p == ']' || *p == ':')
            fputc(' ', out);
        else
            fputc(*p, out);
    }
}

static void zsh_value(FILE *out, const cli_option *o)
{
    if (o->value == OPTION_CHOICE) {
        fprintf(out, ":%s:(", o->placeholder);
        print_choices(out, o->choices);
        fputc(')', out);
    } else if (o->value == OPTION_FILE) {
        fprintf(out, ":%s:_files", o->placeholder);
    } else if (o->value != OPTION_FLAG) {
        fprintf(out, ":%s: ", o->placeholder);
    }
}

/* One option's _arguments specs, each ending the line with a backslash:
 * '--output[text or json]:FORMAT:(text json)' */
static void zsh_option(FILE *out, const cli_option *o)
{
    fprintf(out, "        '%s[", o->name);
    zsh_text(out, o->help);
    fputc(']', out);
    zsh_value(out, o);
    fprintf(out, "' \\\n");
    if (o->short_name) {
        fprintf(out, "        '-%c[same as %s]", o->short_name, o->name);
        zsh_value(out, o);
        fprintf(out, "' \\\n");
    }
}

/* '::file:_files', ':handler:( connect ... all)', '::command:( validate ...)' */
static void zsh_operands(FILE *out, operand_kind kind, const scribble_globals *g)
{
    if (kind == OPERANDS_FILE) {
        fprintf(out, "        '::file:_files' \\\n");
    } else if (kind != OPERANDS_NONE) {
        fprintf(out, "        '%s:(",
                kind == OPERANDS_HANDLER ? ":handler"
                : kind == OPERANDS_SHELL ? ":shell"
                                         : "::command");
        print_operand_words(out, kind, g);
        fprintf(out, ")' \\\n");
    }
}

static void print_zsh(FILE *out, const scribble_globals *g)
{
    fprintf(out, "#compdef scribblectl\n"
                 "# zsh completion for scribblectl (scribblectl completion zsh)\n"
                 "_scribblectl() {\n"
                 "    local -a commands\n"
                 "    commands=(\n");
    for (size_t v = 0; v < g->verb_count; v++) {
        fprintf(out, "        '%s:", g->verbs[v]->name);
        zsh_text(out, g->verbs[v]->summary);
        fprintf(out, "'\n");
    }
    fprintf(out, "    )\n"
                 "    local curcontext=\"$curcontext\" state line\n"
                 "    _arguments -C \\\n");
    for (size_t i = 0; i < g->global_option_count; i++)
        zsh_option(out, &g->global_options[i]);
    fprintf(out, "        '(-h --help)'{-h,--help}'[show help]' \\\n"
                 "        '1:command:->command' \\\n"
                 "        '*::arg:->args'\n"
                 "    case $state in\n"
                 "    command) _describe -t commands 'scribblectl command' commands;;\n"
                 "    args)\n"
                 "        case $words[1] in\n");
    for (size_t v = 0; v < g->verb_count; v++) {
        const cli_verb *vb = g->verbs[v];
        fprintf(out, "        %s) _arguments \\\n", vb->name);
        for (size_t i = 0; i < vb->option_count; i++)
            zsh_option(out, &vb->options[i]);
        for (size_t i = 0; i < g->global_option_count; i++)
            zsh_option(out, &g->global_options[i]);
        zsh_operands(out, vb->operand_kind, g);
        fprintf(out, "        '(-h --help)'{-h,--help}'[show help]';;\n");
    }
    fprintf(out, "        esac;;\n"
                 "    esac\n"
                 "}\n"
                 "_scribblectl \"$@\"\n");
}

static int run_completion(const cli_args *a, const scribble_globals *g)
{
    if (!strcmp(a->operands[0], "bash")) {
        print_bash(stdout, g);
    } else if (!strcmp(a->operands[0], "zsh")) {
        print_zsh(stdout, g);
    } else {
        fprintf(stderr, "scribblectl completion: '%s': allowed: bash, zsh\n", a->operands[0]);
        return EXIT_STATUS_USAGE;
    }
    return EXIT_STATUS_OK;
}

const cli_verb verb_completion = {
    .name = "completion",
    .run = run_completion,
    .operands = "bash|zsh",
    .min_operands = 1,
    .max_operands = 1,
    .operand_kind = OPERANDS_SHELL,
    .summary = "print a bash or zsh completion script for scribblectl",
    .description =
        "Prints a completion script for the shell: the commands, each command's options\n"
        "and their values, and the handlers' names for redeploy.\n"
        "\n"
        "  bash: source <(scribblectl completion bash)\n"
        "  zsh:  scribblectl completion zsh > \"${fpath[1]}/_scribblectl\"",
};

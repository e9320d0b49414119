/*
 * cli.h - scribblectl's command line as data: each verb is one `verb`
 * (its name, operands, summary, description and options), defined in its
 * own cmd_<name>.c and listed once in main.c's table. The parser
 * (cli_parse.c), the help (cmd_help.c) and the shell completions
 * (cmd_completion.c) all read these tables, so an option is named once.
 *
 * The exit statuses are listed here once; every verb returns one of them
 * and `--help` and docs/cli.md show the same list.
 */
#ifndef SCRIBBLE_PROVISION_CLI_H
#define SCRIBBLE_PROVISION_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

/* X(name, number, meaning) */
#define SCRIBBLE_EXIT_STATUSES(X)                                                                  \
    X(EXIT_STATUS_OK, 0, "success")                                                                \
    X(EXIT_STATUS_FAILED, 1, "the command failed; what failed is named on stderr")                 \
    X(EXIT_STATUS_USAGE, 2, "usage or configuration error, found before any change")               \
    X(EXIT_STATUS_INCOMPLETE, 3,                                                                   \
      "status only: some resource is missing or differs from the configuration")

typedef enum exit_status {
#define SCRIBBLE_EXIT_ENUM(name, number, meaning) name = number,
    SCRIBBLE_EXIT_STATUSES(SCRIBBLE_EXIT_ENUM)
#undef SCRIBBLE_EXIT_ENUM
} exit_status;

typedef struct exit_status_row {
    int number;
    const char *meaning;
} exit_status_row;
extern const exit_status_row exit_status_rows[];
extern const size_t exit_status_row_count;

typedef enum option_value {
    OPTION_FLAG,   /* no value */
    OPTION_TEXT,   /* any non-empty text, shown as `placeholder` */
    OPTION_NUMBER, /* a whole number from min to max */
    OPTION_CHOICE, /* one of `choices`, separated by '|' */
    OPTION_FILE,   /* a path (completed as a file name) */
} option_value;

typedef struct cli_option {
    const char *name; /* "--output" */
    char short_name;  /* 'y' for -y, or 0 */
    option_value value;
    const char *placeholder; /* "N", "DIR", "FORMAT"; NULL for a flag */
    const char *choices;     /* OPTION_CHOICE: "text|json" */
    long min, max;           /* OPTION_NUMBER */
    const char *help;
    bool required; /* the command refuses to run without it */
    const char *only_with; /* another option of the table it needs ("--local"), or NULL */
} cli_option;

/* The --output option every verb that reports takes. */
#define CLI_OUTPUT_OPTION                                                                          \
    {                                                                                              \
        .name = "--output", .value = OPTION_CHOICE, .placeholder = "FORMAT",                       \
        .choices = "text|json",                                                                    \
        .help = "text (the default) or json: one JSON document on stdout (docs/cli.md)"            \
    }

/* --data-dir, which the verbs that read a running `scribblectl local` take
 * with --local (the verb refuses it without). */
#define CLI_LOCAL_DATA_DIR_OPTION                                                                  \
    {                                                                                              \
        .name = "--data-dir", .value = OPTION_FILE, .placeholder = "DIR",                          \
        .help = "with --local: its data folder (default [local] data_dir)", .only_with = "--local" \
    }

/* Options a table may hold: the parser refuses a larger one, so a verb with
 * more fails its --help test (provision.cli) before anyone runs it. */
#define CLI_MAX_OPTIONS 16
#define CLI_MAX_OPERANDS 4

/* What a verb's command line said, by the index of each option in its table. */
typedef struct cli_args {
    bool given[CLI_MAX_OPTIONS];
    const char *text[CLI_MAX_OPTIONS]; /* the value as given */
    long number[CLI_MAX_OPTIONS];      /* OPTION_NUMBER's value */
    const char *operands[CLI_MAX_OPERANDS];
    int operand_count;
} cli_args;

struct scribble_globals;

typedef enum operand_kind {
    OPERANDS_NONE,
    OPERANDS_FILE,    /* a file name */
    OPERANDS_HANDLER, /* a handler's name or "all" */
    OPERANDS_SHELL,   /* a shell's name (completion) */
    OPERANDS_VERB,    /* a command's name (help) */
} operand_kind;

typedef struct cli_verb {
    const char *name;
    int (*run)(const cli_args *args, const struct scribble_globals *g);
    const char *operands; /* "[FILE]", "<handler>|all", or "" */
    int min_operands, max_operands;
    operand_kind operand_kind;
    const char *summary;     /* one line for `scribblectl --help` */
    const char *description; /* paragraphs for `scribblectl <verb> --help` */
    const cli_option *options;
    size_t option_count;
} cli_verb;

#define CLI_COUNT(table) (sizeof(table) / sizeof((table)[0]))

/* The options a command line may hold: its own, and `also` (the global
 * options, which a verb's command line may repeat after the verb). */
typedef struct cli_table {
    const cli_option *options;
    size_t count;
    const cli_option *also;
    size_t also_count;
} cli_table;

/* Parses argv[first..] into `out` against table->options, and into also_out
 * (when not NULL) against table->also. With stop_at_operand it stops at the
 * first word that is not an option (the global options end at the verb) and
 * sets *next to it; otherwise every word that is not an option is an
 * operand, as is every word after "--". "-h"/"--help" sets *help and stops.
 * An unknown option, a missing or disallowed value, or too many operands is
 * a BASE_ERROR_CONFIG naming the word and what is allowed. */
int cli_parse(const cli_table *table, int argc, char **argv, int first, bool stop_at_operand,
              cli_args *out, cli_args *also_out, int *next, bool *help, base_error *err);

/* Checks the operand count against the verb's. */
int cli_check_operands(const cli_verb *v, const cli_args *a, base_error *err);

/* "--port 0-65535, --data-dir DIR, --output text|json": every option and what it takes. */
void cli_allowed(const cli_option *options, size_t option_count, char *out, size_t size);

/* True when --output json was given (the index is the option's in the verb's table). */
bool cli_wants_json(const cli_args *a, int output_index);

#endif

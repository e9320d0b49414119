/*
 * description.h - the stack described once: the canvas's size limit, the
 * handlers, what triggers each (WebSocket routes, queues, schedules), the
 * tables and their keys, the handlers' environment variables and the names
 * of the plan's roles.
 *
 * Three programs read it and nothing else says these things: the runtime
 * (its settings reader, and the test that every described handler has code),
 * scribblectl's plan and resource kinds (provision/stack.c, function.c,
 * event_source.c, schedule.c, websocket_routes.c, table.c, function_limits.c)
 * and `scribblectl local`'s wiring (local/local_app.c, the gateway).
 * It is data, not code: it includes nothing of provision/ or runtime/, so
 * both can link it (the library scribble_stack).
 *
 * Each fact has one home. A handler's trigger is the row that names it: a
 * route, a queue or a schedule; a handler named by a route answers clients
 * (route timeout and concurrency), every other one is a worker. Adding a
 * handler is its name in STACK_HANDLERS, one row naming it among the
 * triggers, and its code (runtime/handler_<name>.c): the runtime's table
 * of handlers is made from the list, so a described handler without code
 * fails to link, and tests/stack/description_test.c checks that every row
 * resolves and every trigger names a described handler.
 */
#ifndef SCRIBBLE_STACK_DESCRIPTION_H
#define SCRIBBLE_STACK_DESCRIPTION_H

#include <stdbool.h>
#include <stddef.h>

/* -- the canvas ---------------------------------------------------------------------------- */

/* The most bits a canvas holds (width x height x depth): 8 MiB, one cache
 * value read whole by every snapshot. scribble.ini refuses more
 * (provision/config.c); the runtime's canvas checks it (runtime/canvas.c). */
#define SCRIBBLE_CANVAS_MAX_BITS (64L << 20)

/* -- the handlers' environment ------------------------------------------------------------ */

/* Every variable the handlers read (runtime/settings.c) and scribblectl and
 * `scribblectl local` set, each name written here only. docs/protocol.md
 * says what each holds. */
#define STACK_ENVIRONMENT(X)                                                                 \
    X(STACK, "SCRIBBLE_STACK")                                                               \
    X(CACHE_ENDPOINT, "SCRIBBLE_CACHE_ENDPOINT")                                             \
    X(CACHE_TLS, "SCRIBBLE_CACHE_TLS")                                                       \
    X(CACHE_CA_FILE, "SCRIBBLE_CACHE_CA_FILE")                                               \
    X(CACHE_USERNAME, "SCRIBBLE_CACHE_USERNAME")                                             \
    X(CACHE_PASSWORD, "SCRIBBLE_CACHE_PASSWORD")                                             \
    X(CANVAS_WIDTH, "SCRIBBLE_CANVAS_WIDTH")                                                 \
    X(CANVAS_HEIGHT, "SCRIBBLE_CANVAS_HEIGHT")                                               \
    X(CANVAS_DEPTH, "SCRIBBLE_CANVAS_DEPTH")                                                 \
    X(COOLDOWN, "SCRIBBLE_COOLDOWN")                                                         \
    X(MAX_BATCH, "SCRIBBLE_MAX_BATCH")                                                       \
    X(ADDRESS_ALLOWANCE, "SCRIBBLE_ADDRESS_ALLOWANCE")                                       \
    X(ADDRESS_CATCHUPS, "SCRIBBLE_ADDRESS_CATCHUPS")                                         \
    X(BROADCAST_RATE, "SCRIBBLE_BROADCAST_RATE")                                             \
    X(PIXEL_QUEUE_URL, "SCRIBBLE_PIXEL_QUEUE_URL")                                           \
    X(CATCHUP_QUEUE_URL, "SCRIBBLE_CATCHUP_QUEUE_URL")                                       \
    X(PIXELS_TABLE, "SCRIBBLE_PIXELS_TABLE")                                                 \
    X(HISTORY_TABLE, "SCRIBBLE_HISTORY_TABLE")                                               \
    X(BUCKET, "SCRIBBLE_BUCKET")                                                             \
    X(WEBSOCKET_ENDPOINT, "SCRIBBLE_WEBSOCKET_ENDPOINT")                                     \
    X(FANOUT_CONCURRENCY, "SCRIBBLE_FANOUT_CONCURRENCY")                                     \
    X(CONNECT_GRACE_MS, "SCRIBBLE_CONNECT_GRACE_MS")

#define STACK_ENV_ID_(id, name) STACK_ENV_##id,
typedef enum stack_env_id { STACK_ENVIRONMENT(STACK_ENV_ID_) STACK_ENV_COUNT } stack_env_id;
#undef STACK_ENV_ID_

/* The variables' names, by id. */
extern const char *const stack_env_names[STACK_ENV_COUNT];
/* STACK_ENV(CACHE_ENDPOINT) is "SCRIBBLE_CACHE_ENDPOINT". */
#define STACK_ENV(id) (stack_env_names[STACK_ENV_##id])

/* -- the plan's roles ---------------------------------------------------------------------- */

/* A resource of the plan is named "<stack>-<role>" and tagged with its role
 * (provision/stack.c). The roles other files name, as constants, so a
 * rename is one line; the roles made per handler, queue, zone or gateway
 * are formats. */
#define ROLE_VPC "vpc"
#define ROLE_INTERNET_GATEWAY "internet-gateway"
#define ROLE_FUNCTIONS_SECURITY_GROUP "functions-security-group"
#define ROLE_CACHE_SECURITY_GROUP "cache-security-group"
#define ROLE_CACHE_SUBNET_GROUP "cache-subnet-group"
#define ROLE_CACHE "cache"
#define ROLE_FUNCTIONS_ROLE "functions-role"
#define ROLE_SCHEDULER_ROLE "scheduler-role"
#define ROLE_SITE_BUCKET "site-bucket"
#define ROLE_ARTIFACTS_BUCKET "artifacts-bucket"
#define ROLE_FUNCTION_PACKAGE "function-package"
#define ROLE_WEBSOCKET_API "websocket-api"
#define ROLE_WEBSOCKET_ROUTES "websocket-routes"
#define ROLE_CACHE_POLICY "cache-policy"
#define ROLE_ORIGIN_ACCESS_CONTROL "origin-access-control"
#define ROLE_RESPONSE_HEADERS_POLICY "response-headers-policy"
#define ROLE_DISTRIBUTION "distribution"
#define ROLE_SITE_BUCKET_POLICY "site-bucket-policy"
#define ROLE_SITE_CONTENT "site-content"
/* [domain] (provision/stack.c plans these only with a domain.name, but the
 * last one always: it removes what an earlier domain left). */
#define ROLE_SITE_CERTIFICATE "site-certificate"           /* ACM in us-east-1, for CloudFront */
#define ROLE_WEBSOCKET_CERTIFICATE "websocket-certificate" /* ACM in the stack's region */
#define ROLE_CERTIFICATE_VALIDATION "certificate-validation"
#define ROLE_WEBSOCKET_DOMAIN "websocket-domain"
#define ROLE_WEBSOCKET_MAPPING "websocket-mapping"
#define ROLE_DOMAIN_RECORDS "domain-records"
#define ROLE_PREVIOUS_DOMAIN "previous-domain"

#define ROLE_PUBLIC_SUBNET_FORMAT "subnet-public-%d"   /* zone 1, 2, ... */
#define ROLE_PRIVATE_SUBNET_FORMAT "subnet-private-%d" /* zone 1, 2, ... */
#define ROLE_NAT_IP_FORMAT "nat-ip-%d"
#define ROLE_NAT_GATEWAY_FORMAT "nat-gateway-%d"
#define ROLE_PUBLIC_ROUTE_TABLE "route-table-public"
#define ROLE_PRIVATE_ROUTE_TABLE "route-table-private"            /* one NAT gateway */
#define ROLE_PRIVATE_ROUTE_TABLE_FORMAT "route-table-private-%d" /* one per zone */
#define ROLE_GATEWAY_ENDPOINT_FORMAT "endpoint-%s"               /* dynamodb, s3 */
#define ROLE_FUNCTION_FORMAT "%s-function"            /* handler */
#define ROLE_LOGS_FORMAT "%s-logs"                    /* handler */
#define ROLE_QUEUE_FORMAT "%s-queue"                  /* queue */
#define ROLE_DEAD_LETTER_QUEUE_FORMAT "%s-dead-letter-queue" /* queue */
#define ROLE_QUEUE_TRIGGER_FORMAT "%s-queue-trigger"  /* queue */
#define ROLE_SCHEDULE_FORMAT "%s-schedule"            /* schedule */
#define ROLE_TABLE_FORMAT "%s-table"                  /* table */

/* Long enough for every role above with any handler, queue or table name. */
#define ROLE_SIZE 64

/* Where the snapshot handler says which snapshot is the latest, in the site
 * bucket (docs/protocol.md, "Snapshots"); scribblectl status reads it. */
#define STACK_SNAPSHOT_LATEST_KEY "snapshots/latest.json"

/* Where `scribblectl local` keeps each handler's log (what `scribblectl logs
 * --local` reads): the folder under its data folder, and the file in it. */
#define LOCAL_LOG_DIR "logs"
#define LOCAL_LOG_FILE_FORMAT "%s/%s.log" /* the log folder, the handler */

/* -- the handlers and their triggers ------------------------------------------------------- */

/* The handlers, by name: Lambda's Handler setting and `scribblectl local`'s
 * function. The runtime's table (runtime/handlers.c) is made from this list,
 * handler_<name> for each, so a handler described without code does not link. */
#define STACK_HANDLERS(X)                                                                    \
    X(connect) X(disconnect) X(send) X(broadcast) X(catchup) X(snapshot) X(save) X(figures)

typedef struct described_handler {
    const char *name;
} described_handler;

/* A WebSocket route of the API and the handler it invokes. */
typedef struct described_route {
    const char *route_key; /* API Gateway's: $connect, $disconnect, $default, or an action */
    const char *handler;
} described_route;

/* A queue (with its dead-letter queue) and the handler it feeds. A
 * coalescing queue's trigger gathers what arrives for up to a second into
 * batches of up to STACK_COALESCED_BATCH messages (a standard queue; a FIFO
 * queue keeps queues.batch_size and no window, as Lambda allows) and runs
 * STACK_COALESCED_CONCURRENCY invocations at most: its handler paces what
 * it sends (limits.broadcast_rate), so what arrives meanwhile waits in the
 * queue and goes in the next, larger batch. */
typedef struct described_queue {
    const char *name;
    const char *handler;
    stack_env_id url_variable; /* where the handlers find its URL */
    bool coalescing;
} described_queue;

#define STACK_COALESCED_BATCH 1000
#define STACK_COALESCED_WINDOW_S 1
#define STACK_COALESCED_CONCURRENCY 2 /* the least Lambda's ScalingConfig allows */

/* How a queue's trigger hands messages to its function: Lambda's BatchSize,
 * MaximumBatchingWindowInSeconds and ScalingConfig.MaximumConcurrency
 * (0: no limit), from the row, the queue type and queues.batch_size. */
typedef struct queue_batching {
    int batch_size;
    int window_s;
    int max_concurrency;
} queue_batching;

queue_batching described_queue_batching(const described_queue *q, bool fifo, int batch_size);

/* A schedule invoking its handler at the rate scribble.ini's [schedules] gives. */
typedef struct described_schedule {
    const char *name;
    const char *handler;
} described_schedule;

/* A handler nothing in the stack triggers: scribblectl invokes it (Lambda
 * Invoke, or the local AWS endpoint's) and reads its answer. */
typedef struct described_invoked {
    const char *handler;
    const char *by; /* the command that invokes it */
} described_invoked;

/* -- the tables ---------------------------------------------------------------------------- */

typedef struct described_key {
    const char *attribute; /* NULL: no such key */
    const char *type;      /* DynamoDB's attribute type: "N" */
} described_key;

typedef struct described_table {
    const char *name;           /* its role is "<name>-table" */
    stack_env_id name_variable; /* where the handlers find its name */
    described_key partition_key;
    described_key sort_key;     /* .attribute NULL: none */
} described_table;

extern const described_handler described_handlers[];
extern const size_t described_handler_count;
extern const described_route described_routes[];
extern const size_t described_route_count;
extern const described_queue described_queues[];
extern const size_t described_queue_count;
extern const described_schedule described_schedules[];
extern const size_t described_schedule_count;
extern const described_invoked described_invoked_handlers[];
extern const size_t described_invoked_count;
extern const described_table described_tables[];
extern const size_t described_table_count;

/* The handler's row, or NULL. */
const described_handler *described_handler_find(const char *name);
/* Whether a route names the handler: it answers clients (the route timeout
 * and concurrency); otherwise it is a worker. */
bool described_handler_answers_route(const char *handler);
/* The route's row, or NULL. */
const described_route *described_route_find(const char *route_key);
/* The queue's, schedule's or table's row by its name, or NULL. */
const described_queue *described_queue_find(const char *name);
const described_schedule *described_schedule_find(const char *name);
/* The invoked handler's row by its handler's name, or NULL. */
const described_invoked *described_invoked_find(const char *handler);
const described_table *described_table_find(const char *name);

#endif

/*
 * stack.c - the stack's plan as rows, and the facts resolved from AWS.
 *
 * The rows are the single place that says what a Scribble stack contains and
 * what depends on what; resource kinds know only themselves, graph.c only
 * the order. The handlers, their triggers, the queues and the tables come
 * from the stack's description (stack/description.h), as do the roles'
 * names. Names are "<stack>-<role>" unless scribble.ini names the thing.
 */
#include "provision/stack.h"

#include <libxml/tree.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fatal.h"
#include "provision/kind_support.h"
#include "provision/kinds.h"
#include "stack/description.h"

#define MAX_RESOURCES 96
#define MAX_ZONES 3

struct stack {
    const scribble_config *cfg;
    char account[32];
    char region[64];
    char partition[16];
    char zones[MAX_ZONES][64];
    int zone_count;
    resource resources[MAX_RESOURCES];
    size_t count;
};

static resource *add(stack *s, const resource_ops *ops, const char *role_fmt, ...)
    __attribute__((format(printf, 3, 4)));

static resource *add(stack *s, const resource_ops *ops, const char *role_fmt, ...)
{
    if (s->count == MAX_RESOURCES)
        abort(); /* the plan is fixed by this file; more rows than this is a bug here */
    resource *r = &s->resources[s->count++];
    memset(r, 0, sizeof *r);
    char role[sizeof r->role];
    va_list ap;
    va_start(ap, role_fmt);
    vsnprintf(role, sizeof role, role_fmt, ap);
    va_end(ap);
    memcpy(r->role, role, sizeof role);
    snprintf(r->name, sizeof r->name, "%s-%s", s->cfg->stack.name, role);
    r->ops = ops;
    return r;
}

static void depends(resource *r, const char *role_fmt, ...) __attribute__((format(printf, 2, 3)));

static void depends(resource *r, const char *role_fmt, ...)
{
    for (int i = 0; i < RESOURCE_MAX_DEPS; i++) {
        if (r->depends_on[i][0])
            continue;
        va_list ap;
        va_start(ap, role_fmt);
        vsnprintf(r->depends_on[i], sizeof r->depends_on[i], role_fmt, ap);
        va_end(ap);
        return;
    }
    abort();
}

static void plan_network(stack *s)
{
    const scribble_config *cfg = s->cfg;
    int zones = cfg->network.availability_zones;
    bool nat_per_zone = cfg->network.nat == SCRIBBLE_NAT_PER_ZONE;
    int nats = nat_per_zone ? zones : 1;

    /* In the account's default VPC, its internet gateway and default subnets
     * (public, one per zone) are used as they are, and its main route table
     * already routes them to the internet; the private side is the stack's. */
    bool default_vpc = cfg->network.vpc == SCRIBBLE_VPC_DEFAULT;
    add(s, &vpc_ops, ROLE_VPC)->variant = default_vpc ? "default" : "new";
    resource *igw = add(s, &internet_gateway_ops, ROLE_INTERNET_GATEWAY);
    igw->variant = default_vpc ? "default" : "new";
    depends(igw, ROLE_VPC);
    for (int z = 1; z <= zones; z++) {
        resource *pub = add(s, &subnet_ops, ROLE_PUBLIC_SUBNET_FORMAT, z);
        pub->variant = default_vpc ? "default-public" : "public";
        pub->index = z;
        depends(pub, ROLE_VPC);
        resource *priv = add(s, &subnet_ops, ROLE_PRIVATE_SUBNET_FORMAT, z);
        priv->variant = "private";
        priv->index = z;
        depends(priv, ROLE_VPC);
    }
    for (int n = 1; n <= nats; n++) {
        add(s, &elastic_ip_ops, ROLE_NAT_IP_FORMAT, n)->index = n;
        resource *nat = add(s, &nat_gateway_ops, ROLE_NAT_GATEWAY_FORMAT, n);
        nat->index = n;
        depends(nat, ROLE_PUBLIC_SUBNET_FORMAT, n);
        depends(nat, ROLE_NAT_IP_FORMAT, n);
        depends(nat, ROLE_INTERNET_GATEWAY);
    }
    if (!default_vpc) {
        resource *pub_rt = add(s, &route_table_ops, ROLE_PUBLIC_ROUTE_TABLE);
        pub_rt->variant = "public";
        depends(pub_rt, ROLE_INTERNET_GATEWAY);
        for (int z = 1; z <= zones; z++)
            depends(pub_rt, ROLE_PUBLIC_SUBNET_FORMAT, z);
    }
    for (int n = 1; n <= nats; n++) {
        resource *rt = nat_per_zone ? add(s, &route_table_ops, ROLE_PRIVATE_ROUTE_TABLE_FORMAT, n)
                                    : add(s, &route_table_ops, ROLE_PRIVATE_ROUTE_TABLE);
        rt->variant = "private";
        rt->index = nat_per_zone ? n : 0;
        depends(rt, ROLE_NAT_GATEWAY_FORMAT, n);
        for (int z = 1; z <= zones; z++)
            if (!nat_per_zone || z == n)
                depends(rt, ROLE_PRIVATE_SUBNET_FORMAT, z);
    }
    static const char *const gateway_services[] = {"dynamodb", "s3"};
    for (size_t g = 0; g < 2; g++) {
        resource *ep = add(s, &vpc_endpoint_ops, ROLE_GATEWAY_ENDPOINT_FORMAT, gateway_services[g]);
        ep->variant = gateway_services[g];
        if (nat_per_zone)
            for (int n = 1; n <= nats; n++)
                depends(ep, ROLE_PRIVATE_ROUTE_TABLE_FORMAT, n);
        else
            depends(ep, ROLE_PRIVATE_ROUTE_TABLE);
    }
    resource *fsg = add(s, &security_group_ops, ROLE_FUNCTIONS_SECURITY_GROUP);
    fsg->variant = "functions";
    depends(fsg, ROLE_VPC);
    resource *csg = add(s, &security_group_ops, ROLE_CACHE_SECURITY_GROUP);
    csg->variant = "cache";
    depends(csg, ROLE_FUNCTIONS_SECURITY_GROUP);
}

static void plan_cache(stack *s)
{
    const scribble_config *cfg = s->cfg;
    int zones = cfg->network.availability_zones;
    bool group = cfg->cache.mode == SCRIBBLE_CACHE_REPLICATION_GROUP;
    if (group) {
        resource *subnet_group = add(s, &cache_subnet_group_ops, ROLE_CACHE_SUBNET_GROUP);
        for (int z = 1; z <= zones; z++)
            depends(subnet_group, ROLE_PRIVATE_SUBNET_FORMAT, z);
    }
    resource *cache = add(s, &cache_ops, ROLE_CACHE);
    cache->variant = group ? "replication-group" : "serverless";
    depends(cache, ROLE_CACHE_SECURITY_GROUP);
    if (group)
        depends(cache, ROLE_CACHE_SUBNET_GROUP);
    else
        for (int z = 1; z <= zones; z++)
            depends(cache, ROLE_PRIVATE_SUBNET_FORMAT, z);
}

/* Each table's name is scribble.ini's, not "<stack>-<role>". */
static const char *table_name(const scribble_config *cfg, const described_table *t)
{
    return t->name_variable == STACK_ENV_PIXELS_TABLE ? cfg->tables.pixels : cfg->tables.history;
}

static void plan_data(stack *s)
{
    const scribble_config *cfg = s->cfg;
    /* The functions' policy names the API, the stack's subnets and the
     * functions' security group by the ids AWS chose for them. */
    resource *functions_role = add(s, &role_ops, ROLE_FUNCTIONS_ROLE);
    functions_role->variant = "functions";
    depends(functions_role, ROLE_WEBSOCKET_API);
    depends(functions_role, ROLE_FUNCTIONS_SECURITY_GROUP);
    for (int z = 1; z <= cfg->network.availability_zones; z++)
        depends(functions_role, ROLE_PRIVATE_SUBNET_FORMAT, z);
    add(s, &role_ops, ROLE_SCHEDULER_ROLE)->variant = "scheduler";
    /* Each queue after its dead-letter queue, which its RedrivePolicy names. */
    for (size_t q = 0; q < described_queue_count; q++) {
        const char *queue = described_queues[q].name;
        resource *dead = add(s, &queue_ops, ROLE_DEAD_LETTER_QUEUE_FORMAT, queue);
        resource *r = add(s, &queue_ops, ROLE_QUEUE_FORMAT, queue);
        dead->variant = r->variant = queue;
        if (cfg->queues.type == SCRIBBLE_QUEUE_FIFO) {
            strncat(dead->name, ".fifo", sizeof dead->name - strlen(dead->name) - 1);
            strncat(r->name, ".fifo", sizeof r->name - strlen(r->name) - 1);
        }
        depends(r, ROLE_FUNCTIONS_ROLE);
        depends(r, ROLE_DEAD_LETTER_QUEUE_FORMAT, queue);
    }
    for (size_t t = 0; t < described_table_count; t++) {
        resource *table = add(s, &table_ops, ROLE_TABLE_FORMAT, described_tables[t].name);
        table->variant = described_tables[t].name;
        snprintf(table->name, sizeof table->name, "%s", table_name(cfg, &described_tables[t]));
    }
    add(s, &bucket_ops, ROLE_SITE_BUCKET)->variant = "site";
}

/* What every function needs before it can be created: its role, network,
 * package and every resource its environment names. */
static void function_needs(stack *s, resource *f)
{
    depends(f, ROLE_FUNCTIONS_ROLE);
    depends(f, ROLE_FUNCTIONS_SECURITY_GROUP);
    depends(f, ROLE_CACHE);
    for (size_t q = 0; q < described_queue_count; q++)
        depends(f, ROLE_QUEUE_FORMAT, described_queues[q].name);
    for (size_t t = 0; t < described_table_count; t++)
        depends(f, ROLE_TABLE_FORMAT, described_tables[t].name);
    depends(f, ROLE_SITE_BUCKET);
    depends(f, ROLE_WEBSOCKET_API);
    depends(f, ROLE_FUNCTION_PACKAGE);
    for (int z = 1; z <= s->cfg->network.availability_zones; z++)
        depends(f, ROLE_PRIVATE_SUBNET_FORMAT, z);
}

/* The functions and what invokes them, from the stack's description. */
static void plan_triggers(stack *s)
{
    for (size_t q = 0; q < described_queue_count; q++) {
        const described_queue *queue = &described_queues[q];
        resource *r = add(s, &event_source_ops, ROLE_QUEUE_TRIGGER_FORMAT, queue->name);
        r->variant = queue->name;
        depends(r, ROLE_QUEUE_FORMAT, queue->name);
        depends(r, ROLE_FUNCTION_FORMAT, queue->handler);
    }
    resource *routes = add(s, &websocket_routes_ops, ROLE_WEBSOCKET_ROUTES);
    depends(routes, ROLE_WEBSOCKET_API);
    for (size_t h = 0; h < described_handler_count; h++)
        if (described_handler_answers_route(described_handlers[h].name))
            depends(routes, ROLE_FUNCTION_FORMAT, described_handlers[h].name);
    for (size_t i = 0; i < described_schedule_count; i++) {
        const described_schedule *schedule = &described_schedules[i];
        resource *r = add(s, &schedule_ops, ROLE_SCHEDULE_FORMAT, schedule->name);
        r->variant = schedule->name;
        depends(r, ROLE_FUNCTION_FORMAT, schedule->handler);
        depends(r, ROLE_SCHEDULER_ROLE);
    }
}

static void plan_functions(stack *s)
{
    /* The API comes first: the functions need its management endpoint, and
     * its routes (websocket-routes) need the functions. */
    add(s, &websocket_api_ops, ROLE_WEBSOCKET_API);
    /* One package for every function, uploaded once to the artifacts bucket. */
    add(s, &bucket_ops, ROLE_ARTIFACTS_BUCKET)->variant = "artifacts";
    depends(add(s, &package_object_ops, ROLE_FUNCTION_PACKAGE), ROLE_ARTIFACTS_BUCKET);
    for (size_t h = 0; h < described_handler_count; h++) {
        const char *handler = described_handlers[h].name;
        resource *logs = add(s, &log_group_ops, ROLE_LOGS_FORMAT, handler);
        logs->variant = handler;
        resource *f = add(s, &function_ops, ROLE_FUNCTION_FORMAT, handler);
        f->variant = handler;
        depends(f, ROLE_LOGS_FORMAT, handler);
        function_needs(s, f);
    }
    plan_triggers(s);
}

static void plan_site(stack *s)
{
    add(s, &cache_policy_ops, ROLE_CACHE_POLICY);
    add(s, &origin_access_control_ops, ROLE_ORIGIN_ACCESS_CONTROL);
    /* Its Content-Security-Policy names the WebSocket API's URL. */
    depends(add(s, &response_headers_policy_ops, ROLE_RESPONSE_HEADERS_POLICY), ROLE_WEBSOCKET_API);
    resource *distribution = add(s, &distribution_ops, ROLE_DISTRIBUTION);
    depends(distribution, ROLE_SITE_BUCKET);
    depends(distribution, ROLE_CACHE_POLICY);
    depends(distribution, ROLE_ORIGIN_ACCESS_CONTROL);
    depends(distribution, ROLE_RESPONSE_HEADERS_POLICY);
    resource *policy = add(s, &bucket_policy_ops, ROLE_SITE_BUCKET_POLICY);
    depends(policy, ROLE_SITE_BUCKET);
    depends(policy, ROLE_DISTRIBUTION);
    resource *content = add(s, &site_content_ops, ROLE_SITE_CONTENT);
    depends(content, ROLE_SITE_BUCKET);
    depends(content, ROLE_DISTRIBUTION);
    depends(content, ROLE_WEBSOCKET_ROUTES);
}

/* [domain]: the certificates (one in us-east-1, for CloudFront; another in
 * the stack's region for API Gateway, unless that is us-east-1 too), their
 * validation, the WebSocket API's domain name and mapping, and the records;
 * the page's config.json follows the names. The sweep of an earlier
 * domain is in every stack, after everything that uses the names. */
static void plan_domain(stack *s)
{
    const scribble_config *cfg = s->cfg;
    resource *sweep = add(s, &previous_domain_ops, ROLE_PREVIOUS_DOMAIN);
    depends(sweep, ROLE_DISTRIBUTION);
    depends(sweep, ROLE_SITE_CONTENT);
    depends(sweep, ROLE_WEBSOCKET_ROUTES);
    if (!cfg->domain.name[0])
        return;
    add(s, &certificate_ops, ROLE_SITE_CERTIFICATE);
    bool one_region = strcmp(s->region, "us-east-1") == 0;
    if (!one_region)
        add(s, &certificate_ops, ROLE_WEBSOCKET_CERTIFICATE);
    resource *validation = add(s, &certificate_validation_ops, ROLE_CERTIFICATE_VALIDATION);
    depends(validation, ROLE_SITE_CERTIFICATE);
    if (!one_region)
        depends(validation, ROLE_WEBSOCKET_CERTIFICATE);
    depends(stack_find(s, ROLE_DISTRIBUTION), ROLE_CERTIFICATE_VALIDATION);
    resource *domain = add(s, &websocket_domain_ops, ROLE_WEBSOCKET_DOMAIN);
    depends(domain, ROLE_CERTIFICATE_VALIDATION);
    resource *mapping = add(s, &websocket_mapping_ops, ROLE_WEBSOCKET_MAPPING);
    depends(mapping, ROLE_WEBSOCKET_DOMAIN);
    depends(mapping, ROLE_WEBSOCKET_API);
    depends(mapping, ROLE_WEBSOCKET_ROUTES);
    resource *records = add(s, &domain_records_ops, ROLE_DOMAIN_RECORDS);
    depends(records, ROLE_DISTRIBUTION);
    depends(records, ROLE_WEBSOCKET_DOMAIN);
    depends(records, ROLE_WEBSOCKET_MAPPING);
    depends(stack_find(s, ROLE_SITE_CONTENT), ROLE_DOMAIN_RECORDS);
    depends(sweep, ROLE_DOMAIN_RECORDS);
    depends(sweep, ROLE_WEBSOCKET_MAPPING);
}

int stack_build(const scribble_config *cfg, stack **out, base_error *err)
{
    (void)err;
    *out = NULL;
    stack *s = base_xcalloc(1, sizeof *s);
    s->cfg = cfg;
    plan_network(s);
    plan_cache(s);
    plan_data(s);
    plan_functions(s);
    plan_site(s);
    *out = s;
    return 0;
}

void stack_free(stack *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++)
        resource_reset_live(&s->resources[i]);
    free(s);
}

static const char *partition_of(const char *region)
{
    if (strncmp(region, "cn-", 3) == 0)
        return "aws-cn";
    if (strncmp(region, "us-gov-", 7) == 0)
        return "aws-us-gov";
    return "aws";
}

static int resolve_account(stack *s, aws_client *client, base_error *err)
{
    xmlDocPtr doc = NULL;
    TRY(aws_query_call(client, &aws_service_sts, "GetCallerIdentity", NULL, &doc, err));
    char *account = aws_xml_find_text(xmlDocGetRootElement(doc), "Account");
    snprintf(s->account, sizeof s->account, "%s", account ? account : "");
    free(account);
    xmlFreeDoc(doc);
    ENSURE(s->account[0], err, BASE_ERROR_PARSE, "MalformedResponse",
           "STS GetCallerIdentity gave no account");
    return 0;
}

static int compare_zone_names(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The first N zones (by name) that are available without opting in. */
static int resolve_zones(stack *s, aws_client *client, base_error *err)
{
    aws_params p = {0};
    aws_params_add(&p, "Filter.1.Name", "state");
    aws_params_add(&p, "Filter.1.Value.1", "available");
    aws_params_add(&p, "Filter.2.Name", "opt-in-status");
    aws_params_add(&p, "Filter.2.Value.1", "opt-in-not-required");
    xmlDocPtr doc = NULL;
    int rc = aws_query_call(client, &aws_service_ec2, "DescribeAvailabilityZones", &p, &doc, err);
    aws_params_free(&p);
    TRY(rc);
    char names[16][64];
    int found = 0;
    for (xmlNodePtr n = xmlDocGetRootElement(doc)->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "availabilityZoneInfo"))
            continue;
        for (xmlNodePtr item = n->children; item && found < 16; item = item->next) {
            if (item->type != XML_ELEMENT_NODE)
                continue;
            char *zone = aws_xml_find_text(item, "zoneName");
            if (zone)
                snprintf(names[found++], sizeof names[0], "%s", zone);
            free(zone);
        }
    }
    xmlFreeDoc(doc);
    qsort(names, (size_t)found, sizeof names[0], compare_zone_names);
    int wanted = s->cfg->network.availability_zones;
    ENSURE(found >= wanted, err, BASE_ERROR_CONFIG, "NotEnoughZones",
           "network.availability_zones = %d, but region %s has %d available zone%s", wanted,
           s->region, found, found == 1 ? "" : "s");
    for (int i = 0; i < wanted; i++)
        memcpy(s->zones[i], names[i], sizeof s->zones[i]);
    s->zone_count = wanted;
    return 0;
}

/* Bucket names are global: <stack>-<purpose>-<account>-<region> keeps two
 * accounts', and one account's two regions', stacks apart. */
static int name_buckets(stack *s, base_error *err)
{
    for (size_t i = 0; i < s->count; i++) {
        resource *r = &s->resources[i];
        if (r->ops != &bucket_ops)
            continue;
        int n = snprintf(r->name, sizeof r->name, "%s-%s-%s-%s", s->cfg->stack.name, r->variant,
                         s->account, s->region);
        ENSURE(n > 0 && n <= 63, err, BASE_ERROR_CONFIG, "BucketNameTooLong",
               "the %s bucket's name %s is longer than S3's 63 characters: choose a shorter "
               "stack.name", r->variant, r->name);
    }
    return 0;
}

int stack_resolve(stack *s, aws_client *client, base_error *err)
{
    snprintf(s->region, sizeof s->region, "%s", aws_client_region(client));
    snprintf(s->partition, sizeof s->partition, "%s", partition_of(s->region));
    TRY(resolve_account(s, client, err));
    TRY(resolve_zones(s, client, err));
    plan_domain(s);
    return name_buckets(s, err);
}

size_t stack_count(const stack *s) { return s->count; }
resource *stack_at(stack *s, size_t i) { return i < s->count ? &s->resources[i] : NULL; }
const scribble_config *stack_config(const stack *s) { return s->cfg; }
const char *stack_name(const stack *s) { return s->cfg->stack.name; }
const char *stack_account(const stack *s) { return s->account; }
const char *stack_region(const stack *s) { return s->region; }
const char *stack_partition(const stack *s) { return s->partition; }

const char *stack_zone(const stack *s, int index)
{
    return index >= 1 && index <= s->zone_count ? s->zones[index - 1] : NULL;
}

resource *stack_find(stack *s, const char *role)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->resources[i].role, role) == 0)
            return &s->resources[i];
    return NULL;
}

/* The planned resource of a role the code names. A role the plan does not
 * have is a bug in this file or in the caller (a renamed or removed role):
 * it stops here, loudly, rather than reading as "not created yet". */
static resource *planned(const stack *s, const char *role)
{
    resource *r = stack_find((stack *)s, role);
    if (!r) /* an assertion, not an error to handle: say which before stopping */
        base_fatal("internal error: the plan has no resource with role %s", role);
    return r;
}

const char *stack_resource_name(const stack *s, const char *role)
{
    return planned(s, role)->name;
}

const char *stack_output(const stack *s, const char *role, const char *key)
{
    resource *r = planned(s, role);
    return r->exists ? resource_output(r, key) : NULL;
}

void stack_each_tag(const stack *s, const resource *r, tag_fn fn, void *fn_ctx)
{
    fn(fn_ctx, TAG_STACK, s->cfg->stack.name);
    fn(fn_ctx, TAG_ROLE, r->role);
    for (size_t i = 0; i < s->cfg->tags.count; i++)
        fn(fn_ctx, s->cfg->tags.items[i].key, s->cfg->tags.items[i].value);
}

void stack_add_ec2_tag_specifications(const stack *s, const resource *r, const char *resource_type,
                                      aws_params *params)
{
    aws_params_add(params, "TagSpecification.1.ResourceType", resource_type);
    tags_query_params(s, r, "TagSpecification.1.Tag", params);
}

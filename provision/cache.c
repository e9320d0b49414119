/*
 * cache.c - the stack's ElastiCache cache, found by name: variant
 * "serverless" (ElastiCache Serverless in the private subnets) or
 * "replication-group" (one shard, cache.replicas replicas, in the
 * cache-subnet-group). Encryption in transit is always on: serverless caches
 * have no other way; a replication group is created with it, and with
 * encryption at rest.
 *
 * cache.engine_version is a major version ("8") or major.minor ("7.2"). A
 * serverless cache takes the major only; a replication group takes
 * major.minor, the newest minor this file knows for a bare major.
 *
 * Drift is what ElastiCache reports back. Update changes in place what AWS
 * allows (serverless: an engine upgrade from redis to valkey, a newer major
 * version, the usage limit, the security groups; replication group: node
 * type, automatic failover and Multi-AZ), one modification at a time: a cache
 * that is still modifying is a retryable error, so the walker comes back
 * for the rest. What cannot change in place (subnets, a downgrade, the
 * port, encryption, the replica count) is an error saying so.
 *
 * A cache being deleted counts as absent: creating it again is refused as
 * already existing, which is retried until the old one is gone.
 *
 * Outputs: endpoint_address, endpoint_port, arn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/kind_support.h"
#include "stack/description.h"



/* What the config asks for, and what the stack's other resources give. */
typedef struct cache_plan {
    const char *engine; /* "valkey", "redis" */
    char major[8];      /* "8" */
    char version[16];   /* "8.0": a replication group's EngineVersion */
    id_set subnets;     /* private subnets; count 0 when not known yet */
    id_set groups;      /* the cache's security group; count 0 when not known yet */
} cache_plan;

static bool is_serverless(const op_ctx *ctx, const resource *r)
{
    if (r->variant)
        return strcmp(r->variant, "replication-group") != 0;
    return ctx->cfg->cache.mode == SCRIBBLE_CACHE_SERVERLESS;
}

/* The newest minor version of each major a replication group can run. */
static const struct {
    scribble_cache_engine engine;
    const char *major, *version;
} group_versions[] = {
    {SCRIBBLE_ENGINE_VALKEY, "7", "7.2"},
    {SCRIBBLE_ENGINE_VALKEY, "8", "8.0"},
    {SCRIBBLE_ENGINE_REDIS, "6", "6.2"},
    {SCRIBBLE_ENGINE_REDIS, "7", "7.1"},
};

static void plan_cache(op_ctx *ctx, cache_plan *p)
{
    const scribble_config *cfg = ctx->cfg;
    memset(p, 0, sizeof *p);
    p->engine = cfg->cache.engine == SCRIBBLE_ENGINE_REDIS ? "redis" : "valkey";
    const char *version = cfg->cache.engine_version;
    snprintf(p->major, sizeof p->major, "%.*s", (int)strcspn(version, "."), version);
    snprintf(p->version, sizeof p->version, "%s", version);
    for (size_t i = 0; i < sizeof group_versions / sizeof group_versions[0]; i++)
        if (!strchr(version, '.') && group_versions[i].engine == cfg->cache.engine &&
            strcmp(group_versions[i].major, version) == 0)
            snprintf(p->version, sizeof p->version, "%s", group_versions[i].version);

    private_subnet_ids(ctx, &p->subnets);
    id_set_add(&p->groups, stack_output(ctx->stack, ROLE_CACHE_SECURITY_GROUP, "group_id"));
}

/* ---- XML ------------------------------------------------------------------- */

static xmlNodePtr child(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr n = node ? node->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
            return n;
    return NULL;
}

/* The text of node's child `name`, or "" (copied into out). */
static const char *child_text(xmlNodePtr node, const char *name, char *out, size_t size)
{
    xmlNodePtr c = child(node, name);
    xmlChar *text = c ? xmlNodeGetContent(c) : NULL;
    snprintf(out, size, "%s", text ? (const char *)text : "");
    xmlFree(text);
    return out;
}

/* Every `element` below parent's child `list` ("SubnetIds", "SubnetId"). */
static void read_set(xmlNodePtr parent, const char *list, const char *element, id_set *out)
{
    out->count = 0;
    xmlNodePtr l = child(parent, list);
    if (l)
        xml_each_element(l, element, id_set_add_element, out);
}

static void take_first(void *ctx, xmlNodePtr element)
{
    xmlNodePtr *found = ctx;
    if (!*found)
        *found = element;
}

/* The element describing the cache: the parent of the first `key` element
 * (a create answer and a describe answer nest it differently). */
static xmlNodePtr entity(xmlDocPtr doc, const char *key)
{
    xmlNodePtr found = NULL;
    if (doc)
        xml_each_element(xmlDocGetRootElement(doc), key, take_first, &found);
    return found ? found->parent : NULL;
}

static void publish(resource *r, xmlNodePtr item, xmlNodePtr endpoint)
{
    char text[512];
    r->exists = true;
    snprintf(r->id, sizeof r->id, "%s", r->name);
    snprintf(r->arn, sizeof r->arn, "%s", child_text(item, "ARN", text, sizeof text));
    child_text(item, "Status", r->state, sizeof r->state);
    resource_set_output(r, "arn", r->arn);
    resource_set_output(r, "endpoint_address", child_text(endpoint, "Address", text, sizeof text));
    resource_set_output(r, "endpoint_port", child_text(endpoint, "Port", text, sizeof text));
}

static void drift_text(resource *r, const char *setting, const char *live, const char *wanted)
{
    if (strcmp(live, wanted) != 0)
        resource_add_drift(r, setting, live, wanted);
}

/* ---- the two shapes of cache, behind one table ---------------------------- */

typedef struct cache_api {
    const char *describe, *create, *modify, *delete;
    const char *name_param;  /* "ServerlessCacheName" */
    const char *not_found;   /* the describe / delete answer for an unknown name */
    const char *exists;      /* the create answer for a name in use */
    const char *busy;        /* the answer while the cache is creating or modifying */
} cache_api;

static const cache_api serverless_api = {
    "DescribeServerlessCaches", "CreateServerlessCache", "ModifyServerlessCache",
    "DeleteServerlessCache", "ServerlessCacheName", "ServerlessCacheNotFoundFault",
    "ServerlessCacheAlreadyExistsFault", "InvalidServerlessCacheStateFault",
};

static const cache_api group_api = {
    "DescribeReplicationGroups", "CreateReplicationGroup", "ModifyReplicationGroup",
    "DeleteReplicationGroup", "ReplicationGroupId", "ReplicationGroupNotFoundFault",
    "ReplicationGroupAlreadyExists", "InvalidReplicationGroupState",
};

static const cache_api *api_of(const op_ctx *ctx, const resource *r)
{
    return is_serverless(ctx, r) ? &serverless_api : &group_api;
}

/* One call naming the cache; frees params (which may be NULL). */
static int cache_call(op_ctx *ctx, const resource *r, const char *action, aws_params *params,
                      xmlDocPtr *out, base_error *err)
{
    aws_params local = {0};
    aws_params *p = params ? params : &local;
    aws_params_add(p, api_of(ctx, r)->name_param, r->name);
    xmlDocPtr doc = NULL;
    int rc = aws_query_call(ctx->client, &aws_service_elasticache, action, p, &doc, err);
    aws_params_free(p);
    if (out)
        *out = doc;
    else
        xmlFreeDoc(doc);
    return rc;
}

/* The live cache, or *item NULL when there is none. The caller frees *doc. */
static int describe(op_ctx *ctx, const resource *r, xmlDocPtr *doc, xmlNodePtr *item,
                    base_error *err)
{
    const cache_api *api = api_of(ctx, r);
    *item = NULL;
    int rc = cache_call(ctx, r, api->describe, NULL, doc, err);
    if (rc != 0)
        return allow_error(rc, err, api->not_found);
    *item = entity(*doc, api->name_param);
    return 0;
}

/* A replication group's endpoint: the configuration endpoint in cluster
 * mode, else the primary's. */
static xmlNodePtr group_endpoint(xmlNodePtr item)
{
    char enabled[8];
    if (strcmp(child_text(item, "ClusterEnabled", enabled, sizeof enabled), "true") == 0)
        return child(item, "ConfigurationEndpoint");
    return child(child(child(item, "NodeGroups"), "NodeGroup"), "PrimaryEndpoint");
}

/* The endpoint clients connect to. */
static xmlNodePtr endpoint_of(const op_ctx *ctx, const resource *r, xmlNodePtr item)
{
    return is_serverless(ctx, r) ? child(item, "Endpoint") : group_endpoint(item);
}

/* ---- drift ------------------------------------------------------------------ */

static void usage_limit(xmlNodePtr item, char *out, size_t size)
{
    xmlNodePtr storage = child(child(item, "CacheUsageLimits"), "DataStorage");
    char maximum[32], unit[16];
    child_text(storage, "Maximum", maximum, sizeof maximum);
    child_text(storage, "Unit", unit, sizeof unit);
    snprintf(out, size, "%s%s%s", maximum, maximum[0] ? " " : "", maximum[0] ? unit : "");
}

static void serverless_drift(op_ctx *ctx, resource *r, xmlNodePtr item, const cache_plan *p)
{
    char live[64], wanted[64];
    drift_text(r, "cache engine", child_text(item, "Engine", live, sizeof live), p->engine);
    drift_text(r, "cache major engine version",
               child_text(item, "MajorEngineVersion", live, sizeof live), p->major);
    usage_limit(item, live, sizeof live);
    snprintf(wanted, sizeof wanted, "%d GB", ctx->cfg->cache.max_storage_gb);
    drift_text(r, "cache data storage maximum", live, wanted);
    id_set set;
    if (p->groups.count) {
        read_set(item, "SecurityGroupIds", "SecurityGroupId", &set);
        if (!id_set_equal(&set, &p->groups))
            id_set_drift(r, "cache security groups", &set, &p->groups);
    }
    if (p->subnets.count) {
        read_set(item, "SubnetIds", "SubnetId", &set);
        if (!id_set_equal(&set, &p->subnets))
            id_set_drift(r, "cache subnets", &set, &p->subnets);
    }
}

static int count_members(xmlNodePtr item)
{
    int n = 0;
    xmlNodePtr members = child(child(child(item, "NodeGroups"), "NodeGroup"), "NodeGroupMembers");
    for (xmlNodePtr m = members ? members->children : NULL; m; m = m->next)
        n += m->type == XML_ELEMENT_NODE;
    return n;
}

static void group_drift(op_ctx *ctx, resource *r, xmlNodePtr item, const cache_plan *p)
{
    const scribble_config *cfg = ctx->cfg;
    char live[64];
    bool failover = cfg->cache.replicas > 0;
    if (child(item, "Engine")) /* absent from older answers */
        drift_text(r, "cache engine", child_text(item, "Engine", live, sizeof live), p->engine);
    drift_text(r, "cache node type", child_text(item, "CacheNodeType", live, sizeof live),
               cfg->cache.node_type);
    drift_text(r, "cache transit encryption",
               child_text(item, "TransitEncryptionEnabled", live, sizeof live), "true");
    drift_text(r, "cache at-rest encryption",
               child_text(item, "AtRestEncryptionEnabled", live, sizeof live), "true");
    drift_text(r, "cache automatic failover",
               child_text(item, "AutomaticFailover", live, sizeof live),
               failover ? "enabled" : "disabled");
    drift_text(r, "cache Multi-AZ", child_text(item, "MultiAZ", live, sizeof live),
               failover ? "enabled" : "disabled");
    drift_int(r, "cache replicas", count_members(item) - 1, cfg->cache.replicas);
    drift_int(r, "cache port", atol(resource_output(r, "endpoint_port")), cfg->cache.port);
}

static int cache_read(op_ctx *ctx, resource *r, base_error *err)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr item = NULL;
    int rc = describe(ctx, r, &doc, &item, err);
    char status[32];
    if (rc == 0 && item && strcmp(child_text(item, "Status", status, sizeof status), "deleting")) {
        cache_plan p;
        plan_cache(ctx, &p);
        publish(r, item, endpoint_of(ctx, r, item));
        if (is_serverless(ctx, r))
            serverless_drift(ctx, r, item, &p);
        else
            group_drift(ctx, r, item, &p);
    }
    xmlFreeDoc(doc);
    return rc;
}

/* ---- create ------------------------------------------------------------------ */

static void add_common_params(op_ctx *ctx, const resource *r, const cache_plan *p,
                              aws_params *params)
{
    char description[160];
    snprintf(description, sizeof description, "Scribble %s: the canvas and the connections",
             stack_name(ctx->stack));
    aws_params_add(params, is_serverless(ctx, r) ? "Description" : "ReplicationGroupDescription",
                   description);
    aws_params_add(params, "Engine", p->engine);
    id_set_params(&p->groups, "SecurityGroupIds.SecurityGroupId", params);
    tags_query_params(ctx->stack, r, "Tags.Tag", params);
}

static int create_serverless(op_ctx *ctx, const resource *r, const cache_plan *p, xmlDocPtr *doc,
                             base_error *err)
{
    ENSURE(p->subnets.count && p->groups.count, err, BASE_ERROR_INVALID, "MissingDependency",
           "cache %s: the private subnets or the cache's security group are not known yet",
           r->name);
    aws_params params = {0};
    char maximum[16];
    snprintf(maximum, sizeof maximum, "%d", ctx->cfg->cache.max_storage_gb);
    add_common_params(ctx, r, p, &params);
    aws_params_add(&params, "MajorEngineVersion", p->major);
    aws_params_add(&params, "CacheUsageLimits.DataStorage.Maximum", maximum);
    aws_params_add(&params, "CacheUsageLimits.DataStorage.Unit", "GB");
    id_set_params(&p->subnets, "SubnetIds.SubnetId", &params);
    return cache_call(ctx, r, "CreateServerlessCache", &params, doc, err);
}

static int create_group(op_ctx *ctx, const resource *r, const cache_plan *p, xmlDocPtr *doc,
                        base_error *err)
{
    const scribble_config *cfg = ctx->cfg;
    const char *subnet_group = stack_output(ctx->stack, ROLE_CACHE_SUBNET_GROUP, "name");
    ENSURE(subnet_group && p->groups.count, err, BASE_ERROR_INVALID, "MissingDependency",
           "cache %s: the cache subnet group or the cache's security group is not known yet",
           r->name);
    aws_params params = {0};
    char replicas[16], port[16];
    const char *failover = cfg->cache.replicas > 0 ? "true" : "false";
    snprintf(replicas, sizeof replicas, "%d", cfg->cache.replicas);
    snprintf(port, sizeof port, "%d", cfg->cache.port);
    add_common_params(ctx, r, p, &params);
    aws_params_add(&params, "EngineVersion", p->version);
    aws_params_add(&params, "CacheNodeType", cfg->cache.node_type);
    aws_params_add(&params, "NumNodeGroups", "1");
    aws_params_add(&params, "ReplicasPerNodeGroup", replicas);
    aws_params_add(&params, "AutomaticFailoverEnabled", failover);
    aws_params_add(&params, "MultiAZEnabled", failover);
    aws_params_add(&params, "CacheSubnetGroupName", subnet_group);
    aws_params_add(&params, "Port", port);
    aws_params_add(&params, "TransitEncryptionEnabled", "true");
    aws_params_add(&params, "AtRestEncryptionEnabled", "true");
    return cache_call(ctx, r, "CreateReplicationGroup", &params, doc, err);
}

static int cache_create(op_ctx *ctx, resource *r, base_error *err)
{
    const cache_api *api = api_of(ctx, r);
    cache_plan p;
    plan_cache(ctx, &p);
    xmlDocPtr doc = NULL;
    int rc = is_serverless(ctx, r) ? create_serverless(ctx, r, &p, &doc, err)
                                   : create_group(ctx, r, &p, &doc, err);
    if (rc != 0 && error_is(err, api->exists)) {
        /* An interrupted earlier create (take it as it is), or one still
         * being deleted (retry until it is gone). */
        xmlFreeDoc(doc);
        doc = NULL;
        base_error_clear(err);
        TRY(cache_read(ctx, r, err));
        ENSURE(r->exists, err, BASE_ERROR_SERVICE, api->exists,
               "cache %s is still being deleted; it is created again once it is gone", r->name);
        return 0;
    }
    xmlNodePtr item = rc == 0 ? entity(doc, api->name_param) : NULL;
    if (item)
        publish(r, item, endpoint_of(ctx, r, item));
    xmlFreeDoc(doc);
    if (rc == 0 && !item)
        rc = base_error_set(err, BASE_ERROR_PARSE, "MalformedResponse", "%s gave no cache",
                           api->create);
    return rc;
}

/* For the ENSURE below: retryable, so the walker's retry resumes the work. */
static int retry_later(base_error *err, const char *code, const char *what, const char *name,
                       const char *state)
{
    base_error_set(err, BASE_ERROR_SERVICE, code, "cache %s is %s; %s", name, state, what);
    err->retryable = true;
    return -1;
}

/* ---- update ------------------------------------------------------------------ */

/* Is version a newer major than live? Both are "N" or "N.M". */
static bool newer(const char *wanted, const char *live)
{
    return atof(wanted) > atof(live);
}

/* What a serverless cache can be changed to, one modification per call: the
 * engine (and version) first, then the usage limit and security groups.
 * refused: what cannot change in place. */
static void serverless_changes(op_ctx *ctx, xmlNodePtr item, const cache_plan *p,
                               aws_params *params, bool *more, base_buf *refused)
{
    char engine[32], major[16], limit[64], wanted_limit[64];
    child_text(item, "Engine", engine, sizeof engine);
    child_text(item, "MajorEngineVersion", major, sizeof major);
    bool engine_differs = strcmp(engine, p->engine) != 0;
    bool version_differs = strcmp(major, p->major) != 0;
    if (engine_differs && !(strcmp(engine, "redis") == 0 && strcmp(p->engine, "valkey") == 0))
        base_buf_printf(refused, "%sthe engine from %s to %s", refused->len ? ", " : "", engine,
                       p->engine);
    else if (!engine_differs && version_differs && !newer(p->major, major))
        base_buf_printf(refused, "%sthe major version from %s down to %s", refused->len ? ", " : "",
                       major, p->major);
    else if (engine_differs || version_differs) {
        if (engine_differs)
            aws_params_add(params, "Engine", p->engine);
        aws_params_add(params, "MajorEngineVersion", p->major);
    }

    id_set set;
    read_set(item, "SubnetIds", "SubnetId", &set);
    if (p->subnets.count && !id_set_equal(&set, &p->subnets))
        base_buf_printf(refused, "%sthe subnets", refused->len ? ", " : "");

    bool engine_change = params->count > 0;
    usage_limit(item, limit, sizeof limit);
    snprintf(wanted_limit, sizeof wanted_limit, "%d GB", ctx->cfg->cache.max_storage_gb);
    read_set(item, "SecurityGroupIds", "SecurityGroupId", &set);
    bool limit_differs = strcmp(limit, wanted_limit) != 0;
    bool groups_differ = p->groups.count && !id_set_equal(&set, &p->groups);
    if (engine_change) {
        *more = limit_differs || groups_differ;
        return;
    }
    if (limit_differs) {
        char maximum[16];
        snprintf(maximum, sizeof maximum, "%d", ctx->cfg->cache.max_storage_gb);
        aws_params_add(params, "CacheUsageLimits.DataStorage.Maximum", maximum);
        aws_params_add(params, "CacheUsageLimits.DataStorage.Unit", "GB");
    }
    if (groups_differ)
        id_set_params(&p->groups, "SecurityGroupIds.SecurityGroupId", params);
}

static void group_changes(op_ctx *ctx, xmlNodePtr item, const cache_plan *p, aws_params *params,
                          base_buf *refused)
{
    const scribble_config *cfg = ctx->cfg;
    const char *failover = cfg->cache.replicas > 0 ? "enabled" : "disabled";
    const char *enable = cfg->cache.replicas > 0 ? "true" : "false";
    char live[64];
    if (strcmp(child_text(item, "CacheNodeType", live, sizeof live), cfg->cache.node_type))
        aws_params_add(params, "CacheNodeType", cfg->cache.node_type);
    if (strcmp(child_text(item, "AutomaticFailover", live, sizeof live), failover))
        aws_params_add(params, "AutomaticFailoverEnabled", enable);
    if (strcmp(child_text(item, "MultiAZ", live, sizeof live), failover))
        aws_params_add(params, "MultiAZEnabled", enable);
    if (params->count)
        aws_params_add(params, "ApplyImmediately", "true");

    static const char *const fixed[][3] = {
        {"Engine", "the engine", ""},
        {"TransitEncryptionEnabled", "transit encryption", "true"},
        {"AtRestEncryptionEnabled", "at-rest encryption", "true"},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        const char *wanted = fixed[i][2][0] ? fixed[i][2] : p->engine;
        if (child(item, fixed[i][0]) &&
            strcmp(child_text(item, fixed[i][0], live, sizeof live), wanted) != 0)
            base_buf_printf(refused, "%s%s", refused->len ? ", " : "", fixed[i][1]);
    }
    if (count_members(item) - 1 != cfg->cache.replicas)
        base_buf_printf(refused, "%sthe replica count", refused->len ? ", " : "");
    char port[16];
    child_text(group_endpoint(item), "Port", port, sizeof port);
    if (atol(port) != cfg->cache.port)
        base_buf_printf(refused, "%sthe port", refused->len ? ", " : "");
}

static int cache_update(op_ctx *ctx, resource *r, base_error *err)
{
    const cache_api *api = api_of(ctx, r);
    cache_plan p;
    plan_cache(ctx, &p);
    xmlDocPtr doc = NULL;
    xmlNodePtr item = NULL;
    TRY(describe(ctx, r, &doc, &item, err));
    char status[32] = "";
    child_text(item, "Status", status, sizeof status);
    if (!item || strcmp(status, "available") != 0) {
        xmlFreeDoc(doc);
        return item ? retry_later(err, api->busy, "it is changed once available", r->name, status)
                    : base_error_set(err, BASE_ERROR_SERVICE, api->not_found,
                                    "cache %s disappeared", r->name);
    }
    aws_params params = {0};
    base_buf refused = {0};
    bool more = false;
    if (is_serverless(ctx, r))
        serverless_changes(ctx, item, &p, &params, &more, &refused);
    else
        group_changes(ctx, item, &p, &params, &refused);
    xmlFreeDoc(doc);

    int rc = 0;
    if (params.count) {
        rc = cache_call(ctx, r, api->modify, &params, NULL, err);
        if (rc != 0 && error_is(err, api->busy))
            err->retryable = true;
    } else {
        aws_params_free(&params);
    }
    if (rc == 0 && more)
        rc = retry_later(err, api->busy, "more changes follow once available", r->name,
                         "modifying");
    else if (rc == 0 && refused.len)
        rc = base_error_set(err, BASE_ERROR_CONFIG, "CannotChangeInPlace",
                           "cache %s: ElastiCache cannot change %s in place (run `scribblectl "
                           "down`, then `up`, or set the [cache] settings back)",
                           r->name, base_buf_str(&refused));
    base_buf_free(&refused);
    return rc;
}

/* ---- remove and poll ----------------------------------------------------------- */

static int cache_remove(op_ctx *ctx, resource *r, base_error *err)
{
    const cache_api *api = api_of(ctx, r);
    int rc = cache_call(ctx, r, api->delete, NULL, NULL, err);
    if (rc != 0 && error_is(err, api->busy))
        err->retryable = true; /* still creating or modifying: delete once available */
    return allow_error(rc, err, api->not_found);
}

static int cache_poll(op_ctx *ctx, resource *r, bool removing, bool *done, base_error *err)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr item = NULL;
    *done = false;
    TRY(describe(ctx, r, &doc, &item, err));
    if (item) {
        publish(r, item, endpoint_of(ctx, r, item));
    }
    xmlFreeDoc(doc);
    if (removing) {
        *done = !item || strcmp(r->state, "deleted") == 0;
        return 0;
    }
    ENSURE(item, err, BASE_ERROR_SERVICE, api_of(ctx, r)->not_found,
           "cache %s disappeared while waiting for it", r->name);
    ENSURE(strcmp(r->state, "create-failed") != 0, err, BASE_ERROR_SERVICE, "CreateFailed",
           "cache %s could not be created (ElastiCache says create-failed)", r->name);
    *done = strcmp(r->state, "available") == 0;
    return 0;
}

const resource_ops cache_ops = {
    .kind = "ElastiCache cache",
    .read = cache_read,
    .create = cache_create,
    .update = cache_update,
    .remove = cache_remove,
    .poll = cache_poll,
    .poll_interval_ms = 5000,
    .poll_timeout_s = 2700, /* a replication group takes a quarter of an hour, or more */
};

/*
 * kinds.h - every resource kind scribblectl manages, one file each.
 */
#ifndef SCRIBBLE_PROVISION_KINDS_H
#define SCRIBBLE_PROVISION_KINDS_H

#include "provision/resource.h"

extern const resource_ops vpc_ops;
extern const resource_ops internet_gateway_ops;
extern const resource_ops subnet_ops;
extern const resource_ops elastic_ip_ops;
extern const resource_ops nat_gateway_ops;
extern const resource_ops route_table_ops;
extern const resource_ops vpc_endpoint_ops;
extern const resource_ops security_group_ops;
extern const resource_ops role_ops;
extern const resource_ops queue_ops;
extern const resource_ops table_ops;
extern const resource_ops bucket_ops;
/* redeploy: a bucket that must already exist (bucket.c). */
extern const resource_ops bucket_required_ops;
extern const resource_ops package_object_ops;
extern const resource_ops cache_subnet_group_ops;
extern const resource_ops cache_ops;
extern const resource_ops websocket_api_ops;
extern const resource_ops log_group_ops;
/* The log group of the handler's function: /aws/lambda/<function name> (log_group.c). */
void log_group_name(const stack *s, const char *handler, char *out, size_t size);
extern const resource_ops function_ops;
/* redeploy: a function's code alone (function.c). */
extern const resource_ops function_code_ops;
extern const resource_ops event_source_ops;
extern const resource_ops websocket_routes_ops;
extern const resource_ops schedule_ops;
extern const resource_ops cache_policy_ops;
extern const resource_ops origin_access_control_ops;
extern const resource_ops response_headers_policy_ops;
extern const resource_ops distribution_ops;
extern const resource_ops bucket_policy_ops;
extern const resource_ops site_content_ops;
extern const resource_ops certificate_ops;
extern const resource_ops certificate_validation_ops;
extern const resource_ops websocket_domain_ops;
extern const resource_ops websocket_mapping_ops;
extern const resource_ops domain_records_ops;
extern const resource_ops previous_domain_ops;

#endif

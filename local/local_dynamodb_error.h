/*
 * local_dynamodb_error.h - the two ways scribblectl local's DynamoDB refuses
 * a request, written once for the files that check one (local_dynamodb*.c;
 * nothing else includes this).
 *
 * A SerializationException is a request whose JSON does not have the
 * model's shape (a string where an object belongs); a ValidationException is
 * a well-formed request DynamoDB would not accept. Both are BASE_ERROR_INVALID,
 * the request's fault: local_dynamodb_handle answers them with HTTP 400 and
 * everything else (the store's failures) with 500.
 */
#ifndef SCRIBBLE_LOCAL_DYNAMODB_ERROR_H
#define SCRIBBLE_LOCAL_DYNAMODB_ERROR_H

#include "base/error.h"

#define VALIDATION(e, ...) base_error_set((e), BASE_ERROR_INVALID, "ValidationException", __VA_ARGS__)
#define SERIALIZATION(e, ...) \
    base_error_set((e), BASE_ERROR_INVALID, "SerializationException", __VA_ARGS__)

#endif

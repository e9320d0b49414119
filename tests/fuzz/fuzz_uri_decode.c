/*
 * fuzz_uri_decode.c - percent-decoding (aws/http.c), as the local S3 server
 * and the cache URL reader use it: the lenient decoder never grows its
 * input, the strict one refuses what it should, and encoding then strictly
 * decoding gives the bytes back.
 */
#include "aws/http.h"
#include "fuzz.h"

static int hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    base_buf lenient = {0}, strict = {0}, encoded = {0}, back = {0};
    aws_uri_decode(&lenient, s, size);
    if (lenient.len > size)
        abort();
    bool ok = aws_uri_decode_strict(&strict, s, size);
    if (ok) {
        if (strict.len > size || (strict.len && memchr(strict.data, '\0', strict.len)))
            abort();
        if (strict.len != lenient.len || (strict.len && memcmp(strict.data, lenient.data, strict.len)))
            abort();
    } else {
        /* Refused: a NUL (as a byte or as %00), or a '%' without two hex digits. */
        bool bad = memchr(data, '\0', size) != NULL;
        for (size_t i = 0; !bad && i < size; i++)
            if (data[i] == '%')
                bad = i + 2 >= size || !hex(data[i + 1]) || !hex(data[i + 2]) ||
                      (data[i + 1] == '0' && data[i + 2] == '0');
        if (!bad)
            abort();
    }
    if (!memchr(data, '\0', size)) {
        aws_uri_encode(&encoded, s, size, 0);
        if (!aws_uri_decode_strict(&back, encoded.data ? encoded.data : "", encoded.len) ||
            back.len != size || (size && memcmp(back.data, data, size)))
            abort();
    }
    base_buf_free(&lenient);
    base_buf_free(&strict);
    base_buf_free(&encoded);
    base_buf_free(&back);
    return 0;
}

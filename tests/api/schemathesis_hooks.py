"""schemathesis extensions for this API; also loaded by the CLI run
(``SCHEMATHESIS_HOOKS=tests.api.schemathesis_hooks st run ...``)."""
import schemathesis


@schemathesis.serializer("application/x-ndjson")
def json_lines(ctx, value):
    """The import body: the generated string, as UTF-8 bytes."""
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogatepass")

"""What the bad-input walks send, and how each surface's answers are checked.

Every string input gets a NUL character, a CR LF, an overlong value, whitespace only and a
lone UTF-16 surrogate half; every input also gets values of the wrong JSON type and numbers out
of any range. Bodies as a whole get JSON that is not an object.
"""

import json

NUL = "a\x00b"
CRLF = "a\r\nb"
OVERLONG = "x" * 5000
BLANK = "   "
HALF_PAIR = "a\ud800b"

# Values for an input of a JSON body.
BODY_VALUES = {
    "NUL": NUL,
    "CRLF": CRLF,
    "overlong": OVERLONG,
    "blank": BLANK,
    "half pair": HALF_PAIR,
    "null": None,
    "list of nulls": [None, None],
    "object": {"a": 1},
    "true": True,
    "number": 12345,
    "negative": -1,
    "huge": 10**30,
    "bigint+1": 2**63,
    "fraction": 1.5,
}
# Values for a path segment or a query parameter, as they travel in a URL.
URL_VALUES = {
    "NUL": "a%00b",
    "CRLF": "a%0D%0Ab",
    "overlong": "x" * 3000,
    "blank": "%20%20%20",
    "negative": "-1",
    "huge": "9" * 30,
    "bigint+1": str(2**63),
    "fraction": "1.5",
    "not a number": "abc",
    "empty": "",
}
# A whole JSON body that is not an object.
WRONG_BODIES = {
    "null": "null",
    "list of nulls": "[null, null]",
    "string": '"text"',
    "number": "3",
    "true": "true",
    "empty list": "[]",
    "broken": '{"a": ',
}


def native_error_format(response) -> str | None:
    """What is wrong with a native API answer of 4xx, or None."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"not JSON: {response.content[:200]!r}"
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not {"code", "message"} <= set(error):
        return f"not the native error format: {body!r}"[:300]
    return None


def v3_error_format(response) -> str | None:
    """What is wrong with a V3 answer of 4xx, or None."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"not JSON: {response.content[:200]!r}"
    if (
        not isinstance(body, list)
        or not body
        or not all(isinstance(i, dict) and {"error_key", "error_message"} <= set(i) for i in body)
    ):
        return f"not the V3 error array: {body!r}"[:300]
    return None


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        node = schema["components"]["schemas"][name]
    return node


def example(schema: dict, node: dict, name: str, known: dict):
    """A plausible value for one input, so that the other inputs of a request are valid."""
    if name in known:
        return known[name]
    node = resolve(schema, node)
    if "anyOf" in node:
        node = resolve(schema, next(n for n in node["anyOf"] if n.get("type") != "null"))
    if "enum" in node:
        return node["enum"][0]
    if "default" in node and node["default"] is not None:
        return node["default"]
    kind = node.get("type")
    if kind == "integer":
        return max(node.get("minimum", 1), 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        return body_example(schema, node, known)
    if node.get("format") == "date-time":
        return "2026-11-20T10:00:00Z"
    if node.get("format") == "date":
        return "2026-11-20"
    return "Example"


def body_example(schema: dict, node: dict, known: dict) -> dict:
    node = resolve(schema, node)
    return {
        name: example(schema, prop, name, known)
        for name, prop in node.get("properties", {}).items()
    }


def operations(schema: dict):
    """(method, path, operation) of every operation the schema documents."""
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method, path, operation


def request_body_schema(schema: dict, operation: dict) -> dict | None:
    content = operation.get("requestBody", {}).get("content", {})
    node = content.get("application/json", {}).get("schema")
    return resolve(schema, node) if node else None


def _url(path: str, path_values: dict, query: dict) -> str:
    for name, value in path_values.items():
        path = path.replace("{" + name + "}", str(value))
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


def walk_operation(
    client, schema: dict, method: str, path: str, operation: dict, *, known: dict, headers: dict
):
    """Every bad value in every input of one operation: yields (what was sent, response)."""
    params = operation.get("parameters", [])
    path_values = {
        p["name"]: example(schema, p.get("schema", {}), p["name"], known)
        for p in params
        if p["in"] == "path"
    }
    query = {
        p["name"]: example(schema, p.get("schema", {}), p["name"], known)
        for p in params
        if p["in"] == "query" and p.get("required")
    }
    body_node = request_body_schema(schema, operation)
    body = body_example(schema, body_node, known) if body_node else None

    def send(url: str, data):
        kwargs = {"headers": headers}
        if data is not None:
            text = data if isinstance(data, str) else json.dumps(data)
            kwargs.update(data=text, content_type="application/json")
        return getattr(client, method)(url, **kwargs)

    for p in params:
        if p["in"] not in ("path", "query"):
            continue
        for label, value in URL_VALUES.items():
            values = dict(path_values) if p["in"] == "path" else path_values
            q = dict(query) if p["in"] == "query" else query
            (values if p["in"] == "path" else q)[p["name"]] = value
            what = f"{method.upper()} {path} {p['in']} {p['name']}={label}"
            yield what, send(_url(path, values, q), body)
    if body_node is None:
        return
    url = _url(path, path_values, query)
    for name in body_node.get("properties", {}):
        for label, value in BODY_VALUES.items():
            yield f"{method.upper()} {path} body {name}={label}", send(url, {**body, name: value})
    for label, text in WRONG_BODIES.items():
        yield f"{method.upper()} {path} body={label}", send(url, text)


def problems(walked, error_format) -> list[str]:
    """Each answer that is a server error, or a refusal not in the surface's format."""
    found = []
    for what, response in walked:
        if response.status_code >= 500:
            found.append(f"{what}: {response.status_code}")
        elif response.status_code >= 400:
            wrong = error_format(response)
            if wrong:
                found.append(f"{what}: {response.status_code} {wrong}")
    return found

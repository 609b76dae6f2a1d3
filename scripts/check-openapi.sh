#!/usr/bin/env bash
# Validates openapi.yaml: the OpenAPI 3.1 document itself (openapi-spec-validator), every example
# against its schema, and the API.md conventions every operation must show (X-Request-Id on every
# response; bearer auth, 401, 429 and 503 on every /v1 operation; Idempotency-Key on every POST;
# If-Match, 412 and 428 on every PATCH; 413, 415 and 422 wherever there is a request body).
# Usage: scripts/check-openapi.sh [path/to/openapi.yaml]. Exits non-zero on the first kind of error
# found, after listing every error of that run.
set -euo pipefail
cd "$(dirname "$0")/.."
document="${1:-openapi.yaml}"

python="${PYTHON:-python3}"
command -v "$python" >/dev/null || { echo "check-openapi: $python is not on PATH" >&2; exit 1; }
if ! "$python" -c 'import openapi_spec_validator, openapi_schema_validator, referencing, yaml' 2>/dev/null; then
  echo "check-openapi: installing openapi-spec-validator" >&2
  "$python" -m pip install -q --disable-pip-version-check openapi-spec-validator >/dev/null
fi

exec "$python" - "$document" <<'PY'
import re
import sys

import yaml
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

path = sys.argv[1]
try:
    spec, _ = read_from_filename(path)
    validate(spec)
except Exception as error:  # noqa: BLE001 - report whatever the validator says
    message = str(error)
    if len(message) > 2000:  # some messages quote the whole document
        message = message[:2000] + " ..."
    print(f"check-openapi: {path} is not a valid OpenAPI document:\n{message}", file=sys.stderr)
    sys.exit(1)

# Load again with plain YAML rules so that an unquoted timestamp (which some YAML readers turn
# into a date object, not a string) is caught as an error below.
with open(path, encoding="utf-8") as handle:
    document = yaml.safe_load(handle)

errors = []
BASE = "urn:tollgate:openapi"
registry = Registry().with_resource(BASE, Resource(contents=document, specification=DRAFT202012))
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def pointer(parts):
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def resolve(node):
    """Follows a local $ref (components only) and returns (target, its path parts)."""
    seen = 0
    parts = None
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"non-local $ref {ref}")
        parts = [p.replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/")]
        node = document
        for part in parts:
            node = node[part]
        seen += 1
        if seen > 20:
            raise ValueError(f"$ref loop at {ref}")
    return node, parts


def check_example(value, schema_parts, where):
    schema = {"$ref": f"{BASE}#{pointer(schema_parts)}"}
    validator = OAS31Validator(schema, registry=registry, format_checker=OAS31Validator.FORMAT_CHECKER)
    for failure in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
        at = pointer(list(failure.absolute_path)) if failure.absolute_path else "(root)"
        errors.append(f"{where}: example does not match its schema at {at}: {failure.message}")


def check_examples(holder, holder_parts, where):
    """Checks `example` and `examples` of a media type, parameter or header against its schema."""
    if "schema" not in holder:
        return
    schema_parts = holder_parts + ["schema"]
    if "example" in holder:
        value = holder["example"]
        if holder.get("style") == "form" and holder.get("explode") is False and isinstance(value, str):
            value = value.split(",")
        check_example(value, schema_parts, where)
    for name, example in (holder.get("examples") or {}).items():
        target, _ = resolve(example)
        if "value" in target:
            check_example(target["value"], schema_parts, f"{where} example {name}")


def walk_for_dates(node, parts):
    if hasattr(node, "isoformat"):
        errors.append(f"{pointer(parts)}: unquoted date/time {node!r}; quote it so it stays a string")
    elif isinstance(node, dict):
        for key, child in node.items():
            walk_for_dates(child, parts + [key])
    elif isinstance(node, list):
        for index, child in enumerate(node):
            walk_for_dates(child, parts + [index])


def walk_schema_examples(node, parts):
    """Schema Objects' own `examples` arrays, anywhere under components.schemas."""
    if isinstance(node, dict):
        if isinstance(node.get("examples"), list) and ("type" in node or "$ref" in node or "allOf" in node):
            for index, value in enumerate(node["examples"]):
                check_example(value, parts, f"{pointer(parts)} examples[{index}]")
        for key, child in node.items():
            if key != "examples":
                walk_schema_examples(child, parts + [key])
    elif isinstance(node, list):
        for index, child in enumerate(node):
            walk_schema_examples(child, parts + [index])


walk_for_dates(document, [])
for name, schema in document.get("components", {}).get("schemas", {}).items():
    try:
        OAS31Validator.check_schema(schema)
    except Exception as error:  # noqa: BLE001 - jsonschema.SchemaError and friends
        errors.append(f"components.schemas.{name}: not a valid JSON Schema: {getattr(error, 'message', error)}")
walk_schema_examples(document.get("components", {}).get("schemas", {}), ["components", "schemas"])

declared_tags = {tag["name"] for tag in document.get("tags", [])}
operation_ids = {}
global_security = document.get("security")

for kind in ("parameters", "headers"):
    for name, item in document.get("components", {}).get(kind, {}).items():
        check_examples(item, ["components", kind, name], f"components.{kind}.{name}")
for name, response in document.get("components", {}).get("responses", {}).items():
    headers = response.get("headers", {})
    if "X-Request-Id" not in headers:
        errors.append(f"components.responses.{name}: no X-Request-Id header")
    for media, body in (response.get("content") or {}).items():
        check_examples(body, ["components", "responses", name, "content", media], f"components.responses.{name} {media}")
        if name == "NotModified":
            errors.append("components.responses.NotModified: a 304 has no body")

for route, item in document.get("paths", {}).items():
    template_params = set(re.findall(r"\{([^}]+)\}", route))
    path_level = [resolve(p)[0] for p in item.get("parameters", [])]
    for method in METHODS:
        if method not in item:
            continue
        operation = item[method]
        where = f"{method.upper()} {route}"
        op_id = operation.get("operationId")
        if not op_id or not re.fullmatch(r"[a-z][A-Za-z0-9]*", op_id):
            errors.append(f"{where}: operationId {op_id!r} is not camelCase")
        elif op_id in operation_ids:
            errors.append(f"{where}: operationId {op_id} also used by {operation_ids[op_id]}")
        else:
            operation_ids[op_id] = where
        tags = operation.get("tags") or []
        if not tags or any(tag not in declared_tags for tag in tags):
            errors.append(f"{where}: tags {tags} must be non-empty and declared at the top level")

        parameters = path_level + [resolve(p)[0] for p in operation.get("parameters", [])]
        names = {(p["in"], p["name"].lower()) for p in parameters}
        for name in template_params:
            if ("path", name.lower()) not in names:
                errors.append(f"{where}: path parameter {name} is not declared")
        if ("header", "x-request-id") not in names:
            errors.append(f"{where}: no X-Request-Id request header parameter")
        for index, parameter in enumerate(operation.get("parameters", [])):
            if "$ref" not in parameter:
                check_examples(parameter, ["paths", route, method, "parameters", index], f"{where} parameter {parameter.get('name')}")

        responses = operation.get("responses", {})
        codes = set(responses)
        for code, response in responses.items():
            target, _ = resolve(response)
            if "X-Request-Id" not in (target.get("headers") or {}):
                errors.append(f"{where} {code}: no X-Request-Id header")
            if code.startswith(("4", "5")) and "application/problem+json" not in (target.get("content") or {}):
                errors.append(f"{where} {code}: errors are application/problem+json")
            if "$ref" not in response:
                for media, body in (response.get("content") or {}).items():
                    check_examples(body, ["paths", route, method, "responses", code, "content", media], f"{where} {code} {media}")

        body = operation.get("requestBody")
        if body is not None:
            for media, content in body.get("content", {}).items():
                check_examples(content, ["paths", route, method, "requestBody", "content", media], f"{where} request {media}")
                if "schema" in content:
                    schema, _ = resolve(content["schema"])
                    if schema.get("type") == "object" and schema.get("additionalProperties") is not False:
                        errors.append(f"{where} request {media}: request schemas are strict (additionalProperties: false)")
            missing = {"413", "415", "422"} - codes
            if missing:
                errors.append(f"{where}: has a request body but does not document {sorted(missing)}")

        if route.startswith("/v1/"):
            security = operation.get("security", global_security)
            if not security or not any("bearerAuth" in requirement for requirement in security):
                errors.append(f"{where}: /v1 routes need bearerAuth")
            missing = {"400", "401", "429", "503"} - codes
            if missing:
                errors.append(f"{where}: does not document {sorted(missing)}")
            if method == "post" and ("header", "idempotency-key") not in names:
                errors.append(f"{where}: every POST accepts Idempotency-Key")
            if method == "post" and not {"409", "422"} <= codes:
                errors.append(f"{where}: a POST can answer 409 idempotency-key-in-use and 422 idempotency-key-reused")
            if method == "patch":
                if ("header", "if-match") not in names:
                    errors.append(f"{where}: PATCH requires If-Match")
                if not {"412", "428"} <= codes:
                    errors.append(f"{where}: PATCH documents 412 and 428")
            if method == "get" and "ETag" in (responses.get("200", {}).get("headers") or {}):
                if ("header", "if-none-match") not in names or "304" not in codes:
                    errors.append(f"{where}: a GET with an ETag honours If-None-Match (304)")
        elif operation.get("security") != []:
            errors.append(f"{where}: operations routes carry security: []")

if errors:
    print(f"check-openapi: {path}: {len(errors)} problem(s)", file=sys.stderr)
    for error in errors:
        print(f"  - {error}", file=sys.stderr)
    sys.exit(1)

operations = len(operation_ids)
print(f"check-openapi: {path} is valid OpenAPI {document['openapi']} ({len(document['paths'])} paths, {operations} operations)")
PY

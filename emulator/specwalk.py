"""What a spec says that the generated pydantic models forget: which optional fields may be JSON null.

datamodel-code-generator types every optional field `X | None`, so the models take a null wherever a field may be
left out; the real servers (TGI's serde structs, SaladCloud's API) refuse a null unless the spec calls the field
nullable. Both emulated servers walk request bodies against their spec with this.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Leaf = Callable[[Any, dict[str, Any]], str | None]
"""An extra check of a non-null value against its (resolved) schema: why it is refused, or None."""


class SpecSchemas:
    """One spec's component schemas."""

    def __init__(self, schemas: dict[str, Any]) -> None:
        self.schemas = schemas

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Follow $refs (and a single-member allOf, utoipa's way of annotating one)."""
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[-1]]
        if len(schema.get("allOf", ())) == 1:
            return {**self.resolve(schema["allOf"][0]), **{k: v for k, v in schema.items() if k != "allOf"}}
        return schema

    def nullable(self, schema: dict[str, Any]) -> bool:
        """OpenAPI 3.0's `nullable`, or 3.1's "null" among the types."""
        for s in (schema, self.resolve(schema)):
            types = s.get("type")
            if s.get("nullable") or types == "null" or (isinstance(types, list) and "null" in types):
                return True
            if any(self.nullable(alt) for alt in s.get("anyOf", []) + s.get("oneOf", [])):
                return True
        return False

    def mismatch(self, value: Any, schema: dict[str, Any], path: str = "", leaf: Leaf | None = None) -> str | None:
        """Where a body holds a null the spec does not allow (or what `leaf` objects to), and why; None if nowhere.

        Unions (anyOf/oneOf) are not looked into."""
        schema = self.resolve(schema)
        if isinstance(value, dict):
            for key, item in value.items():
                prop = (schema.get("properties") or {}).get(key)
                if prop is None:
                    continue
                where = f"{path}.{key}" if path else key
                if item is None:
                    if not self.nullable(prop):
                        return f"{where}: invalid type: null"
                elif (found := self.mismatch(item, prop, where, leaf)) is not None:
                    return found
        elif isinstance(value, list) and isinstance(schema.get("items"), dict):
            for i, item in enumerate(value):
                if item is not None and (found := self.mismatch(item, schema["items"], f"{path}[{i}]", leaf)):
                    return found
        elif value is not None and leaf is not None and (why := leaf(value, schema)) is not None:
            return f"{path}: {why}"
        return None

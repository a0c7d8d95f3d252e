"""Building blocks of the result contract: sections that list only what was set, and
sections that are an empty object when the stage behind them did not run.

result.json keeps the keys each builder wrote: a `Section` leaves out the optional fields a
builder did not set (the solver's statistics differ by search path; a `choose` row lists
kept and closed candidates only once the solver decided), while a field set to None is
written as null. `empty_when_absent` documents, in the JSON Schema, a section that is `{}`
(or another fixed placeholder) when absent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer


class Contract(BaseModel):
    """A part of result.json: unknown keys are refused when a result is read."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Section(Contract):
    """A part of result.json that lists only the fields its builder set (and, where the
    model allows extra keys, those too), in field order."""

    @model_serializer(mode="wrap")
    def _set_fields_only(self, handler: SerializerFunctionWrapHandler):
        data = handler(self)
        keep = set(self.model_fields_set) | set(self.model_extra or {})
        names = {name: (f.serialization_alias or f.alias or name)
                 for name, f in type(self).model_fields.items()}
        keep |= {names[k] for k in list(keep) if k in names}
        return {k: v for k, v in data.items() if k in keep}


def empty_when_absent(placeholder: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """A `json_schema_extra` hook: the field's `null` alternative is written as
    `placeholder` (e.g. `{}`), which is what result.json holds when the section is absent."""

    def patch(schema: dict[str, Any]) -> None:
        for alt in schema.get("anyOf", []):
            if alt.get("type") == "null":
                alt.clear()
                alt.update({"type": "object", "description": "absent: " + (
                    "an empty object" if not placeholder else f"exactly {placeholder}")})
                if not placeholder:
                    alt["maxProperties"] = 0
                else:
                    alt["properties"] = {k: {"const": v} for k, v in placeholder.items()}
                    alt["required"] = list(placeholder)
                    alt["additionalProperties"] = False
        schema["default"] = placeholder

    return patch

"""Template helpers for the Tabler look: form fields with their errors beside them."""

from __future__ import annotations

from typing import Any

from django import forms, template

register = template.Library()


@register.inclusion_tag("core/_field.html")
def field(bound: forms.BoundField, **attrs: Any) -> dict[str, Any]:
    widget = bound.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    if bound.errors:
        css += " is-invalid"
    # Template keywords cannot hold hyphens: `data_picker` becomes `data-picker`.
    attrs = {"class": css, **{key.replace("_", "-"): value for key, value in attrs.items()}}
    if bound.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{bound.auto_id}_error"
    return {
        "bound": bound,
        "widget": bound.as_widget(attrs=attrs),
        "checkbox": isinstance(widget, forms.CheckboxInput),
    }


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some keys replaced (for sort and page links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """`{{ before|get_item:key }}`: a dictionary value by a key held in a variable."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def magnitude(value: Any) -> int:
    """`{{ days_left|magnitude }}`: a number without its sign (3 for -3), still a number, as
    `blocktranslate count` needs (the `cut` filter would give a string)."""
    return abs(int(value))

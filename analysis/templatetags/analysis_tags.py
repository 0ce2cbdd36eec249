from django import template

register = template.Library()


@register.filter
def rate(value) -> str:
    """A rate as a percentage with one decimal, "—" when it is undefined (nothing counted)."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"

"""`Renderer.numbered`: a label naming an item by its number, filled into a template rendered once, says
exactly what rendering the template for that number says."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from jinja2 import DictLoader, Environment, StrictUndefined

from messages.render import LOCALES, Renderer, build_environment

RENDERER = Renderer(build_environment(), ZoneInfo("Asia/Shanghai"))
NUMBERS = ("1", "24.1", "（三）7", "A&B<1>", "第2项", "3-2-1", "")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("number", NUMBERS)
def test_a_button_label_is_the_template_rendered_for_its_number(locale: str, number: str) -> None:
    for label in ("立即报送", "Report now", "已知悉"):
        expected = RENDERER.render(locale, "notify/item_button", {"number": number, "label": label})
        assert RENDERER.numbered(locale, "notify/item_button", number, label=label) == expected
    expected = RENDERER.render(locale, "chat/digest/button", {"number": number})
    assert RENDERER.numbered(locale, "chat/digest/button", number) == expected


def test_a_template_that_does_not_print_the_number_once_as_given_is_rendered_each_time() -> None:
    templates = {
        "zh_CN/twice.j2": "{{ number }}/{{ number }}",
        "zh_CN/upper.j2": "{{ number | upper }}",
        "zh_CN/short.j2": "{% if number | length > 2 %}长{% else %}短{% endif %}{{ number }}",
    }
    env = Environment(loader=DictLoader(templates), undefined=StrictUndefined)
    renderer = Renderer(env, ZoneInfo("Asia/Shanghai"))
    assert renderer.numbered("zh_CN", "twice", "24.1") == "24.1/24.1"
    assert renderer.numbered("zh_CN", "upper", "a1") == "A1"
    assert renderer.numbered("zh_CN", "short", "1") == "短1"
    assert renderer.numbered("zh_CN", "short", "24.1") == "长24.1"

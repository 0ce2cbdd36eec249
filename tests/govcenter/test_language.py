"""The interface speaks Simplified Chinese by default and English through the switcher."""

import pytest
from django.urls import reverse


@pytest.mark.zh
def test_pages_are_chinese_by_default(world, client):
    response = client.get(reverse("login"))
    assert '<html lang="zh-hans">' in response.text and "登录" in response.text
    client.force_login(world.village1_user)
    home = client.get(reverse("home"))
    assert "网格" in home.text and "Grids" not in home.text


@pytest.mark.zh
def test_the_switcher_changes_to_english_and_back(world, client):
    client.force_login(world.village1_user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Grids" in client.get(reverse("home")).text
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "网格" in client.get(reverse("home")).text


@pytest.mark.zh
def test_service_messages_are_chinese_by_default(world):
    from disputes.services import DisputeError
    from tests.disputes.helpers import register

    with pytest.raises(DisputeError) as error:
        register(world.police1, grid=world.grid1)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(error.value))


@pytest.mark.zh
def test_an_english_browser_still_gets_chinese_until_the_user_switches(world, client):
    client.force_login(world.village1_user)
    assert "网格" in client.get(reverse("home"), headers={"accept-language": "en-US,en;q=0.9"}).text
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Grids" in client.get(reverse("home"), headers={"accept-language": "zh-CN"}).text

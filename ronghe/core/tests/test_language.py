"""The UI speaks Simplified Chinese unless the user picks English."""

from django.test import Client

from ronghe.testing import Cast


def test_an_english_browser_still_gets_chinese(db: None) -> None:
    response = Client(headers={"accept-language": "en-US,en;q=0.9"}).get("/accounts/login/")
    assert response["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()


def test_the_language_switch_turns_english_on_and_off(cast: Cast) -> None:
    client = cast.client("secretary")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert client.get("/")["Content-Language"] == "en"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert client.get("/")["Content-Language"] == "zh-hans"


def test_an_unknown_language_cookie_falls_back_to_chinese(db: None) -> None:
    client = Client()
    client.cookies["django_language"] = "xx"
    assert client.get("/accounts/login/")["Content-Language"] == "zh-hans"

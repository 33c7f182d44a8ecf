"""API answers: bad input per field in Chinese, 401/403/404 without leaking anything; every
error is `{"code": <machine code>, "detail": <message or list per field>}`."""

from django.test import Client

from ronghe.testing import Cast


def test_bad_query_values_are_refused_per_field_in_chinese(cast: Cast) -> None:
    response = cast.client("secretary").get("/api/v1/people", {"status": "bogus", "org": "x"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    details = {item["field"]: item for item in response.json()["detail"]}
    assert set(details) == {"status", "org"}
    assert details["status"]["code"] == "enum"
    assert details["status"]["message"].startswith("请从以下选项中选择")
    assert details["org"]["message"] == "请输入有效的编码。"


def test_a_too_long_search_names_its_limit(cast: Cast) -> None:
    response = cast.client("secretary").get("/api/v1/people", {"q": "字" * 51})
    assert response.json()["code"] == "invalid"
    (item,) = response.json()["detail"]
    assert (item["field"], item["code"]) == ("q", "string_too_long")
    assert "50" in item["message"]


def test_not_found_and_not_allowed_speak_chinese(cast: Cast) -> None:
    missing = cast.client("outsider").get(f"/api/v1/people/{cast.people['王磊'].code}")
    assert missing.status_code == 404
    assert missing.json() == {"code": "not_found", "detail": "未找到。"}
    refused = cast.client("sysadmin").get("/api/v1/people")
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert "角色" in refused.json()["detail"]


def test_anonymous_calls_get_401_not_a_login_page(db: None) -> None:
    response = Client().get("/api/v1/people")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "unauthorized"

from ronghe.testing import Cast


def test_the_cast_builds_and_each_persona_reaches_today(cast: Cast) -> None:
    for persona in cast.users:
        response = cast.client(persona).get("/")
        assert response.status_code == 200, persona

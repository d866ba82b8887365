"""The permission matrix (app.core.roles) is what the running console enforces."""
import pytest

from app.core import roles
from tests.conftest import TEST_USERS

USER_ROLE = {username: role for username, role, _code in TEST_USERS}
# (resource, permission) -> a request that needs exactly that permission
PROBES = {
    (roles.REGION, roles.READ): ("get", "/api/v1/region/", None),
    (roles.REGION, roles.WRITE): ("post", "/api/v1/region/", {}),
    (roles.USER, roles.READ): ("get", "/api/v1/user/", None),
    (roles.AUDIT, roles.READ): ("get", "/api/v1/audit_log/", None),
}


@pytest.mark.parametrize("username", [u for u, _r, _c in TEST_USERS])
@pytest.mark.parametrize("probe", sorted(PROBES))
def test_api_follows_the_matrix(api, username, probe):
    resource, permission = probe
    method, url, body = PROBES[probe]
    client = api(username)
    response = getattr(client, method)(url, json=body) if body is not None else getattr(client, method)(url)
    allowed = roles.can(USER_ROLE[username], permission, resource)
    if allowed:
        assert response.status_code in (200, 201, 400, 422), (username, probe, response.status_code)
    else:
        assert response.status_code in (401, 403), (username, probe, response.status_code)


@pytest.mark.parametrize("username", ["admin", "officer", "leader", "checkpoint", "grid"])
def test_each_role_sees_its_own_menu(web, username):
    page = web(username).get("/").get_data(as_text=True)
    role = USER_ROLE[username]
    regions_link = "/regionview/list/" in page
    audit_link = "/auditlogview/list/" in page
    assert regions_link == roles.can(role, roles.READ, roles.REGION)
    assert audit_link == roles.can(role, roles.READ, roles.AUDIT)
    assert ("/roles/list/" in page) == (role == "Admin")


def test_screens_follow_the_matrix(web):
    assert web("leader").get("/auditlogview/list/").status_code in (302, 403)
    assert web("officer").get("/auditlogview/list/").status_code == 200
    assert web("officer").get("/roles/list/").status_code in (302, 403)
    assert web("officer").get("/regionview/add").status_code in (302, 403)
    assert web("admin").get("/regionview/add").status_code == 200


def test_every_role_of_the_contract_exists(app):
    with app.app_context():
        assert all(app.appbuilder.sm.find_role(name) for name in
                   ("Admin", "Command", "Township", "Officer", "GridMember", "Leader",
                    "Checkpoint", "Integrator"))


def test_anonymous_gets_nothing(client):
    assert client.get("/api/v1/region/").status_code == 401
    assert client.get("/regionview/list/").status_code in (302, 401)

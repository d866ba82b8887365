"""The jurisdiction rule, checked the same way for every scoped resource.

A resource module's test builds a ``ScopedResource`` (where its screens and API live,
a viewer, one row inside the viewer's jurisdiction and one outside) and calls
``assert_scoped``: the foreign row must answer 404 everywhere, never appear in a list
or a count, and no write may touch it or point at it.
"""
from dataclasses import dataclass, field
from typing import Callable, Optional

import prison


@dataclass
class ScopedResource:
    viewer: str                     # username whose jurisdiction is tested
    own_pk: object                  # a row inside the viewer's jurisdiction
    foreign_pk: object              # a row outside it
    still_exists: Callable[[object], bool]  # pk -> is the row still there, unchanged
    view: Optional[str] = None      # e.g. "/regionview" (FAB ModelView base URL)
    api: Optional[str] = None       # e.g. "/api/v1/region"
    api_put_body: dict = field(default_factory=dict)   # a harmless change for PUT
    # Writes that point at a foreign region or row: each must answer 400, change nothing.
    foreign_writes: list = field(default_factory=list)  # [(method, url, json body)]
    can_delete: bool = True
    can_write: bool = True


def assert_scoped(web, api, resource: ScopedResource):
    own, foreign = str(resource.own_pk), str(resource.foreign_pk)
    if resource.view:
        _assert_view_scoped(web(resource.viewer), resource, own, foreign)
    if resource.api:
        _assert_api_scoped(api(resource.viewer), resource, own, foreign)
    assert resource.still_exists(resource.foreign_pk)


def _assert_view_scoped(client, resource, own, foreign):
    base = resource.view
    assert client.get(f"{base}/show/{own}").status_code == 200
    assert client.get(f"{base}/show/{foreign}").status_code == 404
    if resource.can_write:
        assert client.get(f"{base}/edit/{foreign}").status_code == 404
        assert client.post(f"{base}/edit/{foreign}", data={}).status_code == 404
    if resource.can_delete:
        assert client.post(f"{base}/delete/{foreign}").status_code == 404
    # Actions fetch their rows through the same filter.
    response = client.post(f"{base}/action_post", data={"action": "export_xlsx", "rowid": [foreign]})
    assert response.status_code == 404
    response = client.post(f"{base}/action_post", data={"action": "export_xlsx", "rowid": [own]})
    assert response.status_code == 200
    # The list holds the own row and not the foreign one; FAB's list links to each row.
    page = client.get(f"{base}/list/?psize_{_list_widget_name(base)}=100").get_data(as_text=True)
    assert f"/show/{own}" in page
    assert f"/show/{foreign}" not in page


def _list_widget_name(base):
    return base.strip("/").split("/")[0]


def _assert_api_scoped(client, resource, own, foreign):
    base = resource.api
    assert client.get(f"{base}/{own}").status_code == 200
    assert client.get(f"{base}/{foreign}").status_code == 404
    listing = client.get(f"{base}/?q={prison.dumps({'page_size': 100})}").json
    ids = [str(i) for i in listing["ids"]]
    assert own in ids and foreign not in ids
    assert listing["count"] == len(ids) or listing["count"] > 100
    if resource.can_write:
        response = client.put(f"{base}/{foreign}", json=resource.api_put_body)
        assert response.status_code == 404, response.get_data(as_text=True)
    if resource.can_delete:
        assert client.delete(f"{base}/{foreign}").status_code == 404
    for method, url, body in resource.foreign_writes:
        response = getattr(client, method)(url, json=body)
        assert response.status_code == 400, (url, response.status_code, response.get_data(as_text=True))
        assert response.json["errors"], response.json

"""Request bodies have a size limit: small on the public endpoints, larger for staff
uploads; past it 413 with the error shape of shared/API.md, before the body is read."""
import io

import pytest

from tests.filing_data import count_filings
from tests.ledger_data import upload

MB = 1024 * 1024


def _json_of_size(size: int) -> bytes:
    prefix = b'{"name": "'
    return prefix + b"x" * (size - len(prefix) - 2) + b'"}'


class NeverRead(io.RawIOBase):
    """A body of ``size`` bytes that fails the test if anyone reads it: a refusal must
    not read it. (The test client takes the Content-Length from its size.)"""

    def __init__(self, size):
        self.size, self.position = size, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        self.position = {0: offset, 1: self.position + offset, 2: self.size + offset}[whence]
        return self.position

    def tell(self):
        return self.position

    def readinto(self, buffer):
        raise AssertionError("the body was read")


CHUNKED = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True}


@pytest.mark.parametrize("path", ["/api/v1/public/filings", "/api/v1/public/filings/batch",
                                  "/api/v1/public/filings/ABC123"])
def test_a_public_body_over_1_mb_answers_413_unread(app, client, path):
    response = client.open(path, method="PUT" if path.endswith("ABC123") else "POST", input_stream=NeverRead(300 * MB), content_type="application/json",
                           headers={"Accept-Language": "en"})
    assert response.status_code == 413
    assert response.json == {"message": "The request is larger than the 1 MB allowed here.", "errors": {}}
    assert count_filings(app) == 0


def test_the_413_speaks_chinese_by_default_and_a_body_within_the_limit_passes(client):
    response = client.post("/api/v1/public/filings", data=_json_of_size(MB + 1), content_type="application/json")
    assert response.status_code == 413 and response.json["message"] == "请求内容超过此处允许的 1 MB。"
    response = client.post("/api/v1/public/filings", data=_json_of_size(MB), content_type="application/json")
    assert response.status_code == 400  # read, and refused for what it says


def test_a_chunked_public_body_is_cut_at_the_limit(app, client):
    """No Content-Length (chunked): the body is read only up to the limit."""
    response = client.post("/api/v1/public/filings", input_stream=io.BytesIO(_json_of_size(2 * MB)),
                           content_type="application/json", environ_overrides=CHUNKED)
    assert response.status_code == 413 and set(response.json) == {"message", "errors"}
    response = client.post("/api/v1/public/filings", input_stream=io.BytesIO(_json_of_size(1000)),
                           content_type="application/json", environ_overrides=CHUNKED)
    assert response.status_code == 400


def test_a_chunked_upload_within_the_limit_is_parsed_as_usual(app, api):
    client = api("township")
    plain = client.post("/api/v1/household/import", data=upload(b"a,b\n1,2\n", "h.csv"),
                        content_type="multipart/form-data")
    environ = app.test_request_context(
        "/", method="POST", data=upload(b"a,b\n1,2\n", "h.csv"), content_type="multipart/form-data").request.environ
    chunked = client.post("/api/v1/household/import", input_stream=io.BytesIO(environ["wsgi.input"].read()),
                          content_type=environ["CONTENT_TYPE"], environ_overrides=CHUNKED)
    assert plain.status_code == chunked.status_code == 400  # the file was read: its columns are wrong
    assert chunked.json == plain.json and "1" in chunked.json["errors"]


def test_the_public_pages_answer_413_with_a_page(client):
    response = client.post("/report/", input_stream=NeverRead(2 * MB),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and response.mimetype == "text/html"
    assert "请求内容超过此处允许的 1 MB。" in response.get_data(as_text=True)


def test_staff_uploads_may_be_larger_up_to_their_own_limit(app, api, web, monkeypatch):
    client = api("township")

    def two_megabytes():
        return upload(b"a,b\n" * (MB // 2), "h.csv")

    response = client.post("/api/v1/household/import", data=two_megabytes(), content_type="multipart/form-data")
    assert response.status_code == 400 and response.json["errors"]["1"]  # read: its columns are wrong
    monkeypatch.setitem(app.config, "IMPORT_MAX_CONTENT_LENGTH", MB)
    response = client.post("/api/v1/household/import", data=two_megabytes(), content_type="multipart/form-data",
                           headers={"Accept-Language": "en"})
    assert response.status_code == 413
    assert response.json == {"message": "The request is larger than the 1 MB allowed here.", "errors": {}}
    page = web("township").post("/householdview/import/", data=two_megabytes(), content_type="multipart/form-data")
    assert page.status_code == 413 and "1 MB" in page.get_data(as_text=True)


def test_the_limits_are_settings(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_MAX_CONTENT_LENGTH", 2048)
    response = client.post("/api/v1/public/filings", data=_json_of_size(4096), content_type="application/json",
                           headers={"Accept-Language": "en"})
    assert response.status_code == 413 and response.json["message"] == "The request is larger than the 2 KB allowed here."
    assert app.config["MAX_CONTENT_LENGTH"] == 10 * MB  # Flask's own: the larger of the two defaults

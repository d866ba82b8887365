"""The secrets generated under instance/ (config._instance_secret) are the owner's
alone from the moment the file exists, whatever the umask; an existing file readable by
others is tightened; two processes starting at once end up with the same secret."""
import logging
import os
import stat

import pytest

import config


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_a_new_secret_is_created_readable_by_its_owner_only(tmp_path, open_umask, monkeypatch):
    def no_chmod_afterwards(*args, **kwargs):
        raise AssertionError("the mode must come with the file, not from a chmod afterwards")

    monkeypatch.setattr(os, "chmod", no_chmod_afterwards)
    folder = tmp_path / "instance"
    secret = config._instance_secret(folder, "secret_key", lambda: "s3cret")
    assert secret == "s3cret"
    assert _mode(folder / "secret_key") == 0o600
    assert _mode(folder) == 0o700
    assert os.listdir(folder) == ["secret_key"]  # no temporary file left behind
    assert config._instance_secret(folder, "secret_key", lambda: "other") == "s3cret"


def test_an_existing_secret_readable_by_others_is_tightened(tmp_path, caplog):
    path = tmp_path / "field_key"
    path.write_text("old-key\n")
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="config"):
        assert config._instance_secret(tmp_path, "field_key", lambda: "new-key") == "old-key"
    assert _mode(path) == 0o600
    assert "readable by other users" in caplog.text


def test_the_first_of_two_starting_processes_wins(tmp_path):
    def made_meanwhile_by_another_process():
        (tmp_path / "secret_key").write_text("theirs")
        return "mine"

    assert config._instance_secret(tmp_path, "secret_key", made_meanwhile_by_another_process) == "theirs"
    assert os.listdir(tmp_path) == ["secret_key"]

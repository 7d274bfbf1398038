"""`app.main:app` is built on first access, from the environment."""

import pytest
from fastapi import FastAPI

import app.main


def test_app_attribute_builds_an_app(monkeypatch):
    monkeypatch.setenv("APP_DOCS_ENABLED", "false")
    built = app.main.app
    assert isinstance(built, FastAPI)
    assert built.docs_url is None


def test_other_attributes_do_not_exist():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = app.main.nope

"""The browser tests skip without Chromium, except in CI where they must run."""

import pytest

from tests.browser.chromium import require_chromium


def test_missing_chromium_skips_the_browser_tests(monkeypatch, tmp_path):
    monkeypatch.delenv("CRM_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Chromium is not installed at"):
        require_chromium(tmp_path / "chromium")


def test_missing_chromium_fails_when_ci_requires_the_browser(monkeypatch, tmp_path):
    monkeypatch.setenv("CRM_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="CRM_REQUIRE_BROWSER=1"):
        require_chromium(tmp_path / "chromium")


def test_present_chromium_is_used(tmp_path):
    binary = tmp_path / "chromium"
    binary.write_text("")
    assert require_chromium(binary) == binary

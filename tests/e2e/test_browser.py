"""The browser the journeys need: Debian's Chromium, with a CJK font so that Chinese pages
render as text in the screenshots (not as empty boxes)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.e2e.conftest import CHROMIUM

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing: the end-to-end journeys (tests/e2e) need Debian's "
    "Chromium — apt-get install chromium fonts-wqy-zenhei (.ci/run does)",
)


def test_chromium_starts_and_renders_chinese(browser):
    """A page set from a string, not from the live server."""
    page = browser.new_page()
    page.set_content('<p id="t" style="font-size:40px">漳州知识产权</p>')
    box = page.locator("#t").bounding_box()
    page.close()
    assert browser.version.split(".")[0].isdigit()
    assert box is not None and box["width"] > 100
    fonts = subprocess.run(
        [shutil.which("fc-list") or "fc-list", ":lang=zh"], capture_output=True, text=True
    ).stdout
    assert fonts.strip(), "no CJK font installed (fonts-wqy-zenhei): screenshots show boxes"

"""The enterprise's journey with 益企证: deposit a file, download its certificate (PDF) and its
receipt, then — logged out, on the public verification page — pick the same file: the page
hashes it in the browser, finds the deposit and checks its proof against the signed
checkpoint; a different file is not found."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from evidence.models import EvidenceRecord
from evidence.verify import main as verify_offline
from tests.e2e.conftest import login, text

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def product_photo(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_enterprise_deposits_downloads_and_verifies_on_the_public_page(
    page, new_context, case_world, shots, download_bytes, tmp_path
):
    lang = "zh-hans"
    photo = product_photo((200, 120, 40))
    other = product_photo((40, 120, 200))
    sha256 = hashlib.sha256(photo).hexdigest()

    login(page, "enterprise", lang)
    page.goto("/evidence/deposit/")
    expect(page.locator("#single-depositor")).to_have_text(case_world["orgs"]["ent_a"].display_name)
    page.locator("#id_kind").select_option("file")
    page.locator("#id_title").fill("仿冒蜜柚包装实物照片")
    page.locator("#id_category").select_option("product")
    page.locator("#id_file").set_input_files(
        {"name": "packaging.png", "mimeType": "image/png", "buffer": photo}
    )
    page.locator("#deposit-submit").click()
    page.wait_for_url(re.compile(r"/evidence/\d+/$"))
    record = EvidenceRecord.objects.get(title="仿冒蜜柚包装实物照片")
    assert record.sha256 == sha256 and record.size == len(photo)
    expect(page.locator(".record-number")).to_have_text(record.number)
    expect(page.locator("main")).to_contain_text(sha256)

    name, certificate = download_bytes(
        page, page.get_by_role("link", name=text(lang, "Certificate (PDF)"))
    )
    assert certificate.startswith(b"%PDF") and name.endswith(".pdf")
    name, receipt = download_bytes(
        page, page.get_by_role("link", name=text(lang, "Receipt (.tlog-proof)"))
    )
    assert name.endswith(".tlog-proof")
    assert receipt.startswith(b"c2sp.org/tlog-proof@v1\n")
    page.reload()
    expect(page.locator("#checkpoint-status")).to_have_text(text(lang, "in a signed checkpoint"))
    shots(page, "evidence-record-zh-hans", publish=True)

    # Anyone, without an account: the public page hashes the file in the browser.
    public = new_context().new_page()
    public.goto("/evidence/verify/")
    requests = []
    public.on("request", lambda r: requests.append(r))
    file_input = public.locator("#verify-file")
    expect(file_input).to_be_visible()
    file_input.set_input_files({"name": "photo.png", "mimeType": "image/png", "buffer": photo})
    result = public.locator("#verify-result")
    expect(result.locator(".alert-success")).to_contain_text(text(lang, "Found."))
    card = result.locator(".verify-record")
    expect(card).to_have_attribute("data-status", "verified")
    expect(card.locator("h2")).to_have_text(record.number)
    expect(public.locator("#signature-status")).to_have_attribute("data-status", "verified")
    expect(public.locator("#id_sha256")).to_have_value(sha256)
    # Only the hash left the browser: one GET to the API, nothing posted.
    assert all(r.method == "GET" and r.post_data is None for r in requests)
    api = [r.url for r in requests if "/api/" in r.url]
    assert len(api) == 1 and api[0].endswith(f"/api/v1/evidence/verify/?sha256={sha256}")
    shots(public, "verify-found-zh-hans", publish=True)

    file_input.set_input_files({"name": "other.png", "mimeType": "image/png", "buffer": other})
    expect(result.locator(".alert-secondary")).to_contain_text(text(lang, "Not found."))
    expect(result).to_contain_text(hashlib.sha256(other).hexdigest())
    expect(result.locator(".verify-record")).to_have_count(0)

    # The downloaded receipt verifies offline against the file, with the key the page publishes.
    (tmp_path / "receipt.tlog-proof").write_bytes(receipt)
    (tmp_path / "packaging.png").write_bytes(photo)
    key = public.locator("#public-key").text_content().strip()
    assert (
        verify_offline(
            [str(tmp_path / "receipt.tlog-proof"), str(tmp_path / "packaging.png"), "--key", key]
        )
        == 0
    )

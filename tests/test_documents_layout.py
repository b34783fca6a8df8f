"""The signed MOU laid out as a printed agreement: a signature block per party, headings kept with their text,
table headers kept with their first row, no page but the last mostly blank, the card programme as an exhibit.
Every check reads the PDF back with pdfplumber."""
import io
import re

import pdfplumber
import pytest

from tests import documents as docs
from tracker.cards.programme import save_programme
from tracker.documents.models import DocumentVersion

TOP, BOTTOM = 0.9 * 72, 792 - 0.9 * 72  # print.css: US letter, 0.9in top and bottom margins
TABLE_HEADERS = ("Approval By Date Resolution", "Rule Setting")
PROGRAMME = {"card_model": "full", "checkout_limit": 12, "hold_limit": 4, "fines_free": True, "lost_item_billing": False,
             "interlibrary_loan": True, "card_form": "student_id", "consent_model": "opt_out", "barcode_prefix": "2901",
             "barcode_source": "identifier", "pin_rule": "id_last4", "expiry_month": 9, "expiry_day": 15,
             "ils": "koha", "patron_category": "STUDENT", "branch_code": ""}


def lines(page) -> list[tuple[str, float, bool]]:
    """The page's lines between its running head and its footer: (text, bottom, is a heading)."""
    found = {}
    for char in page.chars:
        if char["top"] < TOP - 2 or char["bottom"] > BOTTOM + 2:
            continue  # the running head and the page number
        found.setdefault(round(char["top"]), []).append(char)
    result = []
    for top in sorted(found):
        chars = sorted(found[top], key=lambda c: c["x0"])
        text = "".join(c["text"] for c in chars).strip()
        heading = all("Sans-Bold" in c["fontname"] and c["size"] >= 10.5 for c in chars if c["text"].strip())
        result.append((text, max(c["bottom"] for c in chars), heading))
    return [line for line in result if line[0]]


@pytest.fixture
def signed(world, mailbox) -> DocumentVersion:
    save_programme(docs.SETUP, world.agreements["own"], PROGRAMME)
    signers = [docs.outside(), docs.user_signer(world, "administrator", "attests"),
               docs.outside("Carla Counsel", "carla@district.example", "form")]
    return docs.sign_all(docs.out_for_signature(world, signers))


def party_blocks(pdf) -> dict[str, str]:
    """Each party's block on the signature page, its two columns read one after the other."""
    blocks = {}
    for page in pdf.pages:
        heads = [w for w in page.extract_words() if w["text"] == "For" and w["x0"] < TOP]
        for i, head in enumerate(heads):
            line = page.crop((0, head["top"], page.width, head["bottom"])).extract_text()
            end = heads[i + 1]["top"] if i + 1 < len(heads) else BOTTOM
            middle = page.width / 2 - 8  # between the two columns of signatures (47% wide each, 2% apart)
            region = (0, head["bottom"], middle, end), (middle, head["bottom"], page.width, end)
            text = " ".join(page.within_bbox(box).extract_text() for box in region)
            blocks[line.removeprefix("For ").strip()] = re.sub(r"\s+", " ", text)
    return blocks


def test_one_signature_block_per_party_with_each_signatorys_capacity(signed):
    with pdfplumber.open(io.BytesIO(signed.pdf)) as pdf:
        whole = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in pdf.pages))
        blocks = party_blocks(pdf)
    signatures = whole[whole.index("Approvals and signatures"):whole.index("Exhibit A")]
    assert signatures.count("For Lakeside Library System") == 1 and signatures.count("For North School") == 1
    assert set(blocks) == {"Lakeside Library System", "North School"}
    library, school = blocks["Lakeside Library System"], blocks["North School"]
    assert "Attested by Administrator" in library  # an app user of the library system
    assert "Signed by Olive Outside" in school and "Approved as to form by Carla Counsel" in school  # its district's people
    for name, block in (("Olive Outside", school), ("Administrator", library), ("Carla Counsel", school)):
        assert re.search(rf"Name {name} Title .*? Organisation .*? Date Signed electronically on \w+ \d+, \d{{4}}, "
                         r"\d+:\d\d\s?[AP]M E[SD]T", block), name
        assert whole.count(f"Name {name} ") == 1


def test_the_card_programme_follows_as_an_exhibit(signed):
    with pdfplumber.open(io.BytesIO(signed.pdf)) as pdf:
        whole = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in pdf.pages))
    exhibit = whole[whole.index("Exhibit A: Card programme rules"):whole.index("Audit certificate")]
    for rule in ("Checkout limit 12", "Hold limit 4", "Interlibrary loan Yes", "Barcode Prefix + student id (prefix 2901)",
                 "Expiry 15 September of the next school year", "Koha, patron category STUDENT"):
        assert rule in exhibit, rule


def test_no_heading_or_table_header_ends_a_page_and_no_page_but_the_last_is_mostly_blank(signed):
    with pdfplumber.open(io.BytesIO(signed.pdf)) as pdf:
        pages = [lines(page) for page in pdf.pages]
    assert len(pages) >= 3
    for number, page in enumerate(pages[:-1], start=1):
        text, bottom, heading = page[-1]
        assert not heading, f"page {number} ends with the heading {text!r}"
        assert text not in TABLE_HEADERS, f"page {number} ends with a table header"
        assert (bottom - TOP) / (BOTTOM - TOP) >= 0.2, f"page {number} is less than a fifth full"
    headings = [text for page in pages for text, _bottom, heading in page if heading]
    assert "Approvals and signatures" in headings and "Audit certificate" in headings


def test_a_draft_without_a_card_programme_has_no_exhibit(world):
    from tracker.documents import pdf as documents_pdf

    version = docs.draft(world)
    with pdfplumber.open(io.BytesIO(documents_pdf.draft_pdf(version))) as pdf:
        whole = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Exhibit A" not in whole and "No signatory for this party yet." in whole

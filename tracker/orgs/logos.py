"""An organisation's logo: a PNG or an SVG, checked, sanitised and size-limited before it is kept.

A PNG must declare no more than MAX_PIXELS and decode as a PNG; it is re-encoded, so nothing but its pixels is
kept. An SVG is parsed without a DTD, entities or the network and refused when it holds a script, an event
attribute (onload=...), an element that embeds other content, or a reference to anything outside itself (an
href or url() that is not "#..."); what is kept is the parsed tree written out again, without comments or
processing instructions. Nothing is ever fetched: the PDF renderer reads the kept bytes.
"""
import io
import re

from flask_babel import gettext as _
from lxml import etree
from PIL import Image, UnidentifiedImageError

from tracker.validation import Invalid

PNG, SVG = "image/png", "image/svg+xml"
MAX_BYTES = 512 * 1024
MAX_PIXELS = (2000, 2000)  # width, height
MAX_ELEMENTS = 5000  # an SVG this busy is not a logo, and would slow every render
SVG_NS = "http://www.w3.org/2000/svg"
EMBEDDING = frozenset({"script", "foreignobject", "iframe", "embed", "object", "handler", "listener", "audio", "video"})
_URL = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.I)


def _refuse(message: str) -> Invalid:
    return Invalid({"logo": message})


def _png(data: bytes) -> bytes:
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise _refuse(_("The PNG could not be read; save it again as PNG or SVG."))
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if not (0 < width <= MAX_PIXELS[0] and 0 < height <= MAX_PIXELS[1]):
        raise _refuse(_("The logo is %(width)s × %(height)s pixels; at most %(max_width)s × %(max_height)s are accepted.",
                        width=width, height=height, max_width=MAX_PIXELS[0], max_height=MAX_PIXELS[1]))
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.load()
            mode = image.mode if image.mode in ("1", "L", "LA", "P", "RGB", "RGBA") else "RGBA"
            out = io.BytesIO()
            image.convert(mode).save(out, format="PNG", optimize=True)  # only the pixels are kept
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise _refuse(_("The PNG could not be read; save it again as PNG or SVG.")) from None
    return out.getvalue()


def _external(value: str) -> bool:
    value = value.strip()
    return bool(value) and not value.startswith("#")


def _svg(data: bytes) -> bytes:
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise _refuse(_("The SVG declares a document type or entities; save it again without them."))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        raise _refuse(_("The SVG could not be read as XML.")) from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise _refuse(_("The file is not an SVG image."))
    elements = 0
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        elements += 1
        name = etree.QName(element).localname.lower()
        if name in EMBEDDING:
            raise _refuse(_("The SVG contains a script or embedded content (%(element)s); logos may hold only drawing.",
                            element=f"<{etree.QName(element).localname}>"))
        if name == "style" and (("@import" in (element.text or "").lower())
                                or any(_external(u) for u in _URL.findall(element.text or ""))):
            raise _refuse(_("The SVG refers to something outside itself; logos may not load anything."))
        for attribute, value in element.attrib.items():
            local = etree.QName(attribute).localname.lower()
            if local.startswith("on"):
                raise _refuse(_("The SVG has an event attribute (%(name)s); logos may not run anything.", name=local))
            if "javascript:" in value.lower().replace(" ", ""):
                raise _refuse(_("The SVG contains a script or embedded content (%(element)s); logos may hold only drawing.",
                                element="javascript:"))
            if (local == "href" and _external(value)) or any(_external(u) for u in _URL.findall(value)):
                raise _refuse(_("The SVG refers to something outside itself; logos may not load anything."))
        if elements > MAX_ELEMENTS:
            raise _refuse(_("The SVG has more than %(n)s elements; simplify it.", n=MAX_ELEMENTS))
    for side, limit in (("width", MAX_PIXELS[0]), ("height", MAX_PIXELS[1])):
        size = re.fullmatch(r"\s*([\d.]+)\s*(px)?\s*", root.get(side) or "")
        if size and float(size.group(1)) > limit:
            raise _refuse(_("The logo is %(width)s × %(height)s pixels; at most %(max_width)s × %(max_height)s are accepted.",
                            width=root.get("width"), height=root.get("height"), max_width=MAX_PIXELS[0],
                            max_height=MAX_PIXELS[1]))
    return etree.tostring(root, encoding="utf-8", xml_declaration=False)


def checked(data: bytes) -> tuple[bytes, str]:
    """(the bytes to keep, their type) for an uploaded logo, or `Invalid` saying what is wrong with it."""
    if not data:
        raise _refuse(_("Choose a PNG or SVG file."))
    if len(data) > MAX_BYTES:
        raise _refuse(_("The logo is %(size)s KB; at most %(max)s KB are accepted.", size=(len(data) + 1023) // 1024,
                        max=MAX_BYTES // 1024))
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(data), PNG
    if b"<svg" in data[:4096].lower():
        return _svg(data), SVG
    raise _refuse(_("The logo must be a PNG or an SVG image."))

"""Test images made on the fly (no binary fixtures in the repository)."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw


def cheque_image(fmt: str = "PNG", size=(1200, 540), text: str = "PAY TO THE ORDER OF ADA LOVELACE") -> bytes:
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle([10, 10, size[0] - 10, size[1] - 10], outline=0, width=3)
    draw.text((60, size[1] // 3), text, fill=0)
    out = BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def two_page_tiff() -> bytes:
    front = Image.open(BytesIO(cheque_image())).convert("L")
    back = Image.open(BytesIO(cheque_image(text="ENDORSED"))).convert("L")
    out = BytesIO()
    front.save(out, format="TIFF", save_all=True, append_images=[back])
    return out.getvalue()


def upload(data: bytes, name: str = "front.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type)

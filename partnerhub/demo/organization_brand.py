"""The demo organization's brand kit: a logo drawn here, the bakery's colours and fonts, its
address and social pages. The colours and the footer are locked for every location; one
location sets its own heading font (an open field)."""

import io

from django.contrib.auth import get_user_model
from PIL import Image, ImageDraw, ImageFont

from partnerhub.brand.services import brand_kit_save
from partnerhub.clients.models import ClientAccount

User = get_user_model()

CRUST = (122, 62, 29)
HONEY = (242, 177, 52)


def logo_png() -> bytes:
    """A small round loaf with a honey-coloured scoring, on a transparent ground."""
    image = Image.new("RGBA", (240, 96), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 12, 128, 84), fill=(250, 240, 222, 255), outline=HONEY, width=6)
    for x in (38, 62, 86):
        draw.line((x, 30, x + 14, 66), fill=CRUST, width=6)
    font = ImageFont.load_default(size=30)
    draw.text((140, 14), "Crumb", fill=(255, 255, 255, 255), font=font)
    draw.text((140, 50), "& Co.", fill=HONEY, font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def load(organization, *, owner_email: str, location_login: str) -> None:
    owner = User.objects.get(username=owner_email)
    brand_kit_save(
        actor=owner,
        partner=organization,
        values={
            "primary_color": "#7a3e1d",
            "accent_color": "#f2b134",
            "heading_font": "georgia",
            "body_font": "verdana",
            "footer_address": "Crumb & Co. Bakeries\n12 Miller's Yard\nYork YO1 7HH\nUnited Kingdom",
            "social_links": {
                "instagram": "https://www.instagram.com/crumbandco",
                "facebook": "https://www.facebook.com/crumbandco",
            },
            "email_footer": (
                "You receive this because you joined the Crumb & Co. loyalty club at one of "
                "our bakeries."
            ),
        },
        locked=["primary_color", "accent_color", "footer_address", "email_footer"],
        logo=logo_png(),
    )
    location = ClientAccount.objects.get(login_name=location_login)
    brand_kit_save(
        actor=location.owner,
        partner=organization,
        account=location,
        values={"heading_font": "trebuchet"},
    )

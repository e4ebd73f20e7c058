"""The wording of the handbook's two agreement forms, printed exactly as the handbook has it."""

from __future__ import annotations

from consent.models import Kind

TITLES = {
    Kind.PARENT_CARER: "Parent/Carer agreement to share Information",
    Kind.YOUNG_PERSON: "Young Persons agreement to share information",
}

INTRO = {
    Kind.PARENT_CARER: [
        "All parents in the borough were sent a leaflet providing information about Lewisham "
        "Information Sharing & Assessment. The leaflet explains what Information is held on "
        "children between 0-18 years old and how and with whom that information can be shared, "
        "together with your rights to access that information.",
        "The person sharing this form with you will have already discussed the reason why they "
        "want to share information concerning your child. You will therefore know that it is "
        "because they feel your child would benefit from additional support or services. As we "
        "want to ensure that you are fully informed we would be grateful if you could sign this "
        "form after reading its content.",
    ],
    Kind.YOUNG_PERSON: [
        "You should have been provided with a Children and Young Person leaflet about Lewisham "
        "Information Sharing & Assessment (LISA). The leaflet explains what information is held "
        "on children between birth to 18 years old and why and with whom that information can be "
        "shared, together with your rights to see that information.",
        "The person sharing this form with you will have already discussed the reason why they "
        "want to share information about you and how they believe you might benefit from "
        "additional support or services.",
        "As we want to ensure that you are fully informed we would be grateful if you could sign "
        "this form stating your agreement after reading its content.",
    ],
}

PARENTAL_RESPONSIBILITY = "I am the parent/carers holding Parental Responsibility for"

STATEMENT = {
    Kind.PARENT_CARER: "I agree / do not agree that personal information can be Shared between "
    "agencies and professionals working with",
    Kind.YOUNG_PERSON: "I agree/do not agree that personal information about me can be shared "
    "between agencies and professionals working with me",
}

SIGNATURE = {
    Kind.PARENT_CARER: "Signature of parent/carers",
    Kind.YOUNG_PERSON: "Signature",
}

COPIES = "Copies to child/young person and LISA Co-ordinator"

TRANSLATION_HEADING = "For translation contact:"

# (language tag, direction, line): the lines exactly as the handbook prints them.
TRANSLATION_LINES = [
    ("tr", "ltr", "Tercüme için temas ediniz:"),
    ("fr", "ltr", "Pour la traduction, entrez en contact svp:"),
    ("ta", "ltr", "செய்திமொழித் தொடர்புக்கு:"),
    ("vi", "ltr", "LIÊN LẠC KHI CÓ NHU CẦU THÔNG DỊCH:"),
    ("so", "ltr", "Controkha troogmada:"),
    ("zh-Hans", "ltr", "翻译请联络:"),
    ("sq", "ltr", "Për një përkthim kontaktojeni:"),
    ("es", "ltr", "Para la traducción, entre en contacto"),
    ("es", "ltr", "con por favor:"),
    ("bn", "ltr", "অনুবাদের জন্য যোগাযোগ করুন:"),
    ("ur", "rtl", "ترجمے کے لئے رابطہ:"),
    ("pt", "ltr", "Para a tradução, contate por favor:"),
    ("pa", "ltr", "उत्तरमे से लई सम्पर्क बढे:"),
    ("cs", "ltr", "Pro překlad se obraťte na:"),
    ("gu", "ltr", "अनुवाद माटे सम्पर्क इवे:"),
    ("hi", "ltr", "अनुवाद के लिये सम्पर्क करें:"),
    ("ru", "ltr", "Для перевода позвоните:"),
    ("sk", "ltr", "Pre preklad sa obráťte na:"),
]

OTHER_FORMATS = "For other formats, including Braille, large print, audio tape or computer disc,"

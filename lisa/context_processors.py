from __future__ import annotations

from django.conf import settings

from lisa.models import Role
from lisa.reversing import reverse


def navigation(user, path: str, request=None) -> list[dict]:
    """The service navigation for ``user``'s roles."""
    if not user.is_authenticated:
        return []
    items = [("Home", reverse("home")), ("Service directory", reverse("directory:search"))]
    if user.has_role(Role.PRACTITIONER, Role.DESIGNATED_OFFICER, Role.CENTRAL_TEAM):
        items.append(("Children", reverse("children:search")))
        items.append(("Messages", reverse("messaging:inbox")))
    if user.has_role(Role.DESIGNATED_OFFICER, Role.CENTRAL_TEAM):
        items.append(("Users", reverse("users:list")))
        items.append(("Figures", reverse("figures:index")))
        items.append(("Audit", reverse("audit:events")))
    if user.is_central_team:
        items.append(("Alerts", reverse("audit:alerts")))
        items.append(("Agencies", reverse("agencies:list")))
    items.append(("Your account", reverse("account")))
    nav = []
    for label, url in items:
        active = path == url if url == "/" else path.startswith(url)
        if label == "Audit" and path.startswith(reverse("audit:alerts")):
            active = False
        if label == "Messages" and request is not None:
            from messaging.access import unread_count

            unread = unread_count(request)  # one query, shared with the page
            if unread:
                label = f"Messages ({unread})"
        nav.append({"label": label, "url": url, "active": active})
    return nav


def lisa(request):
    return {
        "service_name": "LISA",
        "council_name": settings.LISA_COUNCIL_NAME,
        "contact_email": settings.LISA_CONTACT_EMAIL,
        "contact_phone": settings.LISA_CONTACT_PHONE,
        "nav_items": navigation(request.user, request.path, request)
        if hasattr(request, "user")
        else [],
    }

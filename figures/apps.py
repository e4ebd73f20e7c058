from django.apps import AppConfig


class FiguresConfig(AppConfig):
    name = "figures"
    verbose_name = "Figures"

    def ready(self):
        # Each module registers its figures with its section when imported.
        from figures import access_figures, child_figures, concern_figures, meeting_figures  # noqa: F401

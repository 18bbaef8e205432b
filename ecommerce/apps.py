from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EcommerceConfig(AppConfig):
    """The composition root: project-wide commands (demo data, the development server with beat)
    and the beat schedule's rows (written after every migrate, so the admin lists every job)."""

    name = "ecommerce"
    verbose_name = "E-commerce platform"

    def ready(self) -> None:
        # post_migrate is sent per app with models; the schedule's tables are django_celery_beat's.
        post_migrate.connect(_periodic_tasks_sync, dispatch_uid="ecommerce.beat.sync")
        # django-prometheus builds its metrics singleton on the first request without a lock:
        # two first requests in two threads register every series twice (DuplicateTimeseries).
        # Build it once here, before any request thread exists.
        from django_prometheus.middleware import Metrics

        Metrics.get_instance()


def _periodic_tasks_sync(*, sender: AppConfig, using: str = "default", **_: object) -> None:
    from ecommerce.beat import periodic_tasks_sync

    if sender.label == "django_celery_beat" and using == "default":
        periodic_tasks_sync()

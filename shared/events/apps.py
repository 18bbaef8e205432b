from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "shared.events"
    label = "events"
    verbose_name = "Event bus (outbox, deliveries, inbox)"

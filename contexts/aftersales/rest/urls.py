"""After-sales routes, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import path

from contexts.aftersales.rest import views

app_name = "aftersales"

_ONE = "aftersales/requests/<str:request_no>"
_STAFF = "admin/aftersales/requests/<str:request_no>"

urlpatterns = [
    path("aftersales/requests", views.MyRequestsView.as_view(), name="my-requests"),
    path(_ONE, views.MyRequestView.as_view(), name="my-request"),
    path(f"{_ONE}/return-shipment", views.ReturnShipmentView.as_view(), name="return-shipment"),
    path(f"{_ONE}/withdraw", views.WithdrawView.as_view(), name="withdraw"),
    path(f"{_ONE}/messages", views.MyMessagesView.as_view(), name="my-messages"),
    path("admin/aftersales/requests", views.QueueView.as_view(), name="queue"),
    path(_STAFF, views.StaffRequestView.as_view(), name="staff-request"),
    path(f"{_STAFF}/approve", views.ApproveView.as_view(), name="approve"),
    path(f"{_STAFF}/reject", views.RejectView.as_view(), name="reject"),
    path(f"{_STAFF}/inspect", views.InspectView.as_view(), name="inspect"),
    path(f"{_STAFF}/reship", views.ReshipView.as_view(), name="reship"),
    path(f"{_STAFF}/arbitrate", views.ArbitrateView.as_view(), name="arbitrate"),
    path(f"{_STAFF}/messages", views.StaffMessagesView.as_view(), name="staff-messages"),
    path("aftersales/evidence", views.EvidenceUploadView.as_view(), name="evidence-upload"),
    path("aftersales/tickets", views.MyTicketsView.as_view(), name="my-tickets"),
    path("aftersales/tickets/<str:ticket_no>", views.TicketView.as_view(), name="ticket"),
    path(
        "aftersales/tickets/<str:ticket_no>/messages",
        views.TicketMessagesView.as_view(),
        name="ticket-messages",
    ),
    path(
        "aftersales/tickets/<str:ticket_no>/resolve",
        views.TicketResolveView.as_view(),
        name="ticket-resolve",
    ),
    path("admin/aftersales/tickets", views.TicketQueueView.as_view(), name="ticket-queue"),
    path(
        "admin/aftersales/tickets/<str:ticket_no>/assign",
        views.TicketAssignView.as_view(),
        name="ticket-assign",
    ),
]
